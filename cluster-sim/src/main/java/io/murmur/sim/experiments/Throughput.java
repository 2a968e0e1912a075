package io.murmur.sim.experiments;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Measures routing throughput by wall time: {@code threads} threads each route one batch of
 * keys, released together; lookups per second = all lookups / time from release to the last
 * one done. Each thread also reads the JVM's count of bytes it allocated around its batch, so
 * a run reports the heap allocated per lookup (NaN where the JVM does not count). A figure,
 * never a verdict: nothing here asserts on speed.
 */
final class Throughput implements AutoCloseable {
    /** One run: lookups per second, and heap bytes allocated per lookup by the routing threads. */
    record Run(double lookupsPerSecond, double bytesPerLookup) {
    }

    private static final com.sun.management.ThreadMXBean THREADS = allocationCounter();

    /** Smallest and largest batch per thread. */
    static final int MIN_BATCH = 100;
    static final int MAX_BATCH = 50_000_000;

    private final ExecutorService pool;
    private final int maxThreads;
    /** Keeps the routed answers observable so no lookup can be optimised away. */
    private volatile long sink;

    Throughput(int maxThreads) {
        this.maxThreads = maxThreads;
        this.pool = Executors.newFixedThreadPool(maxThreads, r -> {
            Thread t = new Thread(r, "router");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A batch size whose single-thread run takes about {@code targetNanos}, found by running
     * growing batches (which also warms the router up).
     */
    int calibrate(Router router, long[] keys, long targetNanos) throws IOException {
        int batch = MIN_BATCH;
        while (true) {
            long t0 = System.nanoTime();
            sink += router.routeBatch(keys, 0, batch);
            long took = Math.max(1, System.nanoTime() - t0);
            if (took >= targetNanos / 2 || batch >= MAX_BATCH) {
                return (int) Math.max(MIN_BATCH, Math.min(MAX_BATCH, (double) batch * targetNanos / took));
            }
            batch = (int) Math.min(MAX_BATCH, batch * Math.min(16.0, Math.max(2.0, 0.6 * targetNanos / took)));
        }
    }

    /** One run: {@code threads} threads, {@code batch} lookups each. */
    Run run(Router router, long[] keys, int threads, int batch, int offset) throws IOException {
        if (threads < 1 || threads > maxThreads) {
            throw new IllegalArgumentException("threads must be in [1, " + maxThreads + "], got " + threads);
        }
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<long[]>> done = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            int from = (int) ((offset + (long) t * keys.length / threads) % keys.length);
            done.add(pool.submit(() -> {
                ready.countDown();
                go.await();
                long before = allocatedBytes();
                long answer = router.routeBatch(keys, from, batch);
                return new long[] {answer, allocatedBytes() - before};
            }));
        }
        try {
            ready.await();
            long t0 = System.nanoTime();
            go.countDown();
            long sum = 0;
            long allocated = 0;
            for (Future<long[]> f : done) {
                long[] answer = f.get();
                sum += answer[0];
                allocated += answer[1];
            }
            long took = System.nanoTime() - t0;
            sink += sum;
            double lookups = (double) threads * batch;
            return new Run(lookups * 1e9 / took, THREADS == null ? Double.NaN : allocated / lookups);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while measuring", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("routing failed", e.getCause());
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bytes the calling thread has allocated so far, or 0 where the JVM does not count them. */
    private static long allocatedBytes() {
        return THREADS == null ? 0 : THREADS.getCurrentThreadAllocatedBytes();
    }

    private static com.sun.management.ThreadMXBean allocationCounter() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
                && bean.isThreadAllocatedMemorySupported()) {
            bean.setThreadAllocatedMemoryEnabled(true);
            return bean;
        }
        return null;
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }
}
