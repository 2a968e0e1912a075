package io.murmur.cli;

import io.murmur.client.CausalContext;
import io.murmur.client.MurmurClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load on one client: {@code concurrency} workers each keep exactly one
 * request outstanding and issue the next from the completion of the previous one.
 *
 * <p>Design note: a closed loop measures the throughput the system sustains at a fixed
 * number of requests in flight, and latency from the moment each request is issued to
 * its completion. Workers record into an HdrHistogram {@link Recorder} (wait-free from
 * many I/O threads); the driving thread swaps out an interval histogram once a second
 * for progress and adds it to the total. Writes carry the latest context seen for their
 * key, as a well-behaved client would, so the load does not pile up siblings. Each worker
 * has its own generator split from the run's seed. After a failure a worker pauses
 * briefly so an unreachable node does not turn the loop into a spin.
 */
final class LoadLoop {
    /** Which operations the load issues. */
    enum Workload { GET, PUT, MIXED }

    private static final long ERROR_PAUSE_MILLIS = 10;

    private final MurmurClient client;
    private final Workload workload;
    private final double readRatio;
    private final int concurrency;
    private final int keys;
    private final byte[] value;
    private final SplittableRandom seeds;
    private final AtomicReferenceArray<CausalContext> contexts;
    private final Recorder recorder = new Recorder(3);
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Executor errorPause = CompletableFuture.delayedExecutor(ERROR_PAUSE_MILLIS, TimeUnit.MILLISECONDS);

    LoadLoop(MurmurClient client, Workload workload, double readRatio, int concurrency, int keys,
             int valueBytes, long seed) {
        this.client = client;
        this.workload = workload;
        this.readRatio = readRatio;
        this.concurrency = concurrency;
        this.keys = keys;
        this.seeds = new SplittableRandom(seed);
        byte[] v = new byte[valueBytes];
        SplittableRandom valueRandom = seeds.split();
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) ('a' + valueRandom.nextInt(26));
        }
        this.value = v;
        this.contexts = new AtomicReferenceArray<>(keys);
    }

    static byte[] key(int index) {
        return ("key" + index).getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes every key once, {@code concurrency} at a time; the first failure aborts. */
    void preload(PrintWriter progress) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger written = new AtomicInteger();
        AtomicInteger running = new AtomicInteger(concurrency);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable worker = new Runnable() {
            @Override
            public void run() {
                int k = next.getAndIncrement();
                if (k >= keys || done.isDone()) {
                    if (running.decrementAndGet() == 0) {
                        done.complete(null);
                    }
                    return;
                }
                client.put(key(k), value, null).whenComplete((context, failure) -> {
                    if (failure != null) {
                        done.completeExceptionally(failure);
                        return;
                    }
                    contexts.set(k, context);
                    written.incrementAndGet();
                    run();
                });
            }
        };
        for (int i = 0; i < concurrency; i++) {
            worker.run();
        }
        long start = System.nanoTime();
        while (true) {
            try {
                done.get(1, TimeUnit.SECONDS);
                break;
            } catch (TimeoutException e) {
                progress.println(String.format(Locale.ROOT, "[preload %ds] %d/%d keys",
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), written.get(), keys));
                progress.flush();
            } catch (ExecutionException e) {
                throw new CliFailure(Murmur.errorCode(e.getCause()), "preload failed: " + e.getCause().getMessage());
            }
        }
    }

    /**
     * Runs the load: a warmup (not recorded), then the measured window; returns its figures,
     * with the CPU {@code cpu} reads at the window's start and end.
     */
    BenchResult run(String target, Duration warmup, Duration duration, CpuMeter cpu, PrintWriter progress)
            throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(concurrency);
        Worker[] workers = new Worker[concurrency];
        for (int i = 0; i < concurrency; i++) {
            workers[i] = new Worker(seeds.split(), stopped);
        }
        for (Worker w : workers) {
            w.issue();
        }

        if (!warmup.isZero()) {
            tick(target + " warmup", System.nanoTime(), warmup, null, progress);
        }
        CpuMeter.Reading cpuAtStart = cpu.read(); // a few milliseconds: read before the window opens
        recorder.getIntervalHistogram(); // drop what the warmup recorded
        errors.clear();
        Histogram total = new Histogram(3);
        long start = System.nanoTime();
        long end = tick(target, start, duration, total, progress);
        CpuMeter.Reading cpuAtEnd = cpu.read();
        Map<String, Long> errorCounts = new HashMap<>();
        errors.forEach((code, n) -> errorCounts.put(code, n.sum()));

        for (Worker w : workers) {
            w.stop();
        }
        stopped.await(30, TimeUnit.SECONDS);
        return BenchResult.of(target, total, (end - start) / 1e9, errorCounts, cpuAtStart, cpuAtEnd);
    }

    /**
     * Reports once a second until {@code length} has passed: the last second's rate and
     * p99, and the average rate so far. Returns when it ended.
     */
    private long tick(String label, long start, Duration length, Histogram total, PrintWriter progress)
            throws InterruptedException {
        long end = start + length.toNanos();
        long previous = start;
        long operations = 0;
        Histogram interval = null;
        for (int second = 1; ; second++) {
            long now = System.nanoTime();
            long wake = Math.min(end, start + TimeUnit.SECONDS.toNanos(second));
            if (wake > now) {
                TimeUnit.NANOSECONDS.sleep(wake - now);
            }
            now = System.nanoTime();
            interval = recorder.getIntervalHistogram(interval);
            if (total != null) {
                total.add(interval);
            }
            operations += interval.getTotalCount();
            long errorCount = 0;
            for (LongAdder n : errors.values()) {
                errorCount += n.sum();
            }
            progress.println(String.format(Locale.ROOT,
                    "[%s %ds/%ds] %.0f ops/s (so far %.0f ops/s)  p99=%dus  errors=%d",
                    label, TimeUnit.NANOSECONDS.toSeconds(now - start + 500_000_000L), length.toSeconds(),
                    interval.getTotalCount() / ((now - previous) / 1e9), operations / ((now - start) / 1e9),
                    interval.getValueAtPercentile(99.0), errorCount));
            progress.flush();
            previous = now;
            if (now >= end) {
                return now;
            }
        }
    }

    /** One outstanding request at a time; callbacks run on the client's I/O threads. */
    private final class Worker {
        private final SplittableRandom random;
        private final CountDownLatch stopped;
        private volatile boolean stopping;

        Worker(SplittableRandom random, CountDownLatch stopped) {
            this.random = random;
            this.stopped = stopped;
        }

        void stop() {
            stopping = true;
        }

        void issue() {
            if (stopping) {
                stopped.countDown();
                return;
            }
            int k = random.nextInt(keys);
            boolean read = workload == Workload.GET
                    || (workload == Workload.MIXED && random.nextDouble() < readRatio);
            long start = System.nanoTime();
            if (read) {
                client.get(key(k)).whenComplete((result, failure) -> {
                    if (failure == null) {
                        contexts.set(k, result.context());
                    }
                    completed(start, failure);
                });
            } else {
                client.put(key(k), value, contexts.get(k)).whenComplete((context, failure) -> {
                    if (failure == null) {
                        contexts.set(k, context);
                    }
                    completed(start, failure);
                });
            }
        }

        private void completed(long startNanos, Throwable failure) {
            if (failure == null) {
                recorder.recordValue(Math.max(1, (System.nanoTime() - startNanos) / 1000));
                issue();
            } else {
                errors.computeIfAbsent(Murmur.errorCode(failure), code -> new LongAdder()).increment();
                errorPause.execute(this::issue);
            }
        }
    }
}
