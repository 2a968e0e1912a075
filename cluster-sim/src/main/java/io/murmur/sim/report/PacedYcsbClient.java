package io.murmur.sim.report;

import io.murmur.sim.ycsb.MurmurYcsbClient;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.measurements.Measurements;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The binding of the report's paced run: {@link MurmurYcsbClient} underneath, and each
 * operation's latency measured from its intended start (YCSB's schedule under
 * {@code -target}), as YCSB's {@code Intended-} figures are, but only for operations
 * intended to start {@code report.warmup_seconds} or more after the first one.
 *
 * <p>Design note: a fresh YCSB JVM needs a few hundred milliseconds to reach speed (class
 * loading, connections, the first compilations). At a fixed rate every operation scheduled
 * meanwhile starts late, and in a 40-second run those few hundred operations alone set the
 * p99 from intended start (a single-node run showed p95 10 ms and p99 178 ms, the worst
 * operations all in the first second). YCSB 0.17 has no warm-up of its own. The last
 * thread's cleanup prints the figures (not a shutdown hook: YCSB's exporter closes standard
 * output when it is done) in YCSB's summary format, e.g.
 * {@code [WARM-Intended-READ], 99thPercentileLatency(us), 4211}, for the harness to parse.
 */
public final class PacedYcsbClient extends DB {
    static final String WARMUP_SECONDS = "report.warmup_seconds";
    /** The operations measured; each has its histogram (microseconds, up to an hour). */
    private static final Map<String, Histogram> LATENCIES = new LinkedHashMap<>();
    private static final AtomicLong FIRST_INTENDED_NANOS = new AtomicLong(Long.MIN_VALUE);
    private static final Object LOCK = new Object();
    private static int references;

    static {
        for (String op : new String[] {"READ", "UPDATE", "INSERT", "DELETE"}) {
            LATENCIES.put(op, new ConcurrentHistogram(TimeUnit.HOURS.toMicros(1), 3));
        }
    }

    private final MurmurYcsbClient delegate = new MurmurYcsbClient();
    private long warmupNanos;
    private Measurements measurements;
    private boolean acquired;

    @Override
    public void init() throws DBException {
        String warmup = getProperties().getProperty(WARMUP_SECONDS, "5");
        try {
            double seconds = Double.parseDouble(warmup);
            if (!(seconds >= 0)) {
                throw new NumberFormatException();
            }
            warmupNanos = (long) (seconds * 1e9);
        } catch (NumberFormatException e) {
            throw new DBException(WARMUP_SECONDS + " must be a number of seconds >= 0, not '" + warmup + "'");
        }
        measurements = Measurements.getMeasurements(); // a synchronized lookup: once, not per operation
        synchronized (LOCK) {
            references++;
            acquired = true;
        }
        delegate.setProperties(getProperties());
        delegate.init();
    }

    @Override
    public void cleanup() throws DBException {
        delegate.cleanup();
        synchronized (LOCK) {
            if (!acquired) {
                return;
            }
            acquired = false;
            if (--references > 0) {
                return;
            }
            System.out.print(summary(warmupNanos));
            System.out.flush();
        }
    }

    /** The figures of every operation measured so far, in YCSB's summary format. */
    static String summary(long warmupNanos) {
        StringBuilder out = new StringBuilder();
        LATENCIES.forEach((op, h) -> {
            if (h.getTotalCount() == 0) {
                return;
            }
            String name = "[WARM-Intended-" + op + "], ";
            out.append(String.format(Locale.ROOT, "%sWarmupSeconds, %.1f%n", name, warmupNanos / 1e9));
            out.append(name).append("Operations, ").append(h.getTotalCount()).append('\n');
            out.append(String.format(Locale.ROOT, "%sAverageLatency(us), %.1f%n", name, h.getMean()));
            out.append(name).append("95thPercentileLatency(us), ").append(h.getValueAtPercentile(95)).append('\n');
            out.append(name).append("99thPercentileLatency(us), ").append(h.getValueAtPercentile(99)).append('\n');
            out.append(name).append("MaxLatency(us), ").append(h.getMaxValue()).append('\n');
        });
        return out.toString();
    }

    private Status measured(String op, long intendedNanos, Status status) {
        long end = System.nanoTime();
        FIRST_INTENDED_NANOS.compareAndSet(Long.MIN_VALUE, intendedNanos);
        if (intendedNanos - FIRST_INTENDED_NANOS.get() >= warmupNanos) {
            LATENCIES.get(op).recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(end - intendedNanos)));
        }
        return status;
    }

    private long intendedStart() {
        return measurements.getIntendedtartTimeNs();
    }

    @Override
    public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
        long intended = intendedStart();
        return measured("READ", intended, delegate.read(table, key, fields, result));
    }

    @Override
    public Status scan(String table, String startkey, int recordcount, Set<String> fields,
                       Vector<HashMap<String, ByteIterator>> result) {
        return delegate.scan(table, startkey, recordcount, fields, result);
    }

    @Override
    public Status update(String table, String key, Map<String, ByteIterator> values) {
        long intended = intendedStart();
        return measured("UPDATE", intended, delegate.update(table, key, values));
    }

    @Override
    public Status insert(String table, String key, Map<String, ByteIterator> values) {
        long intended = intendedStart();
        return measured("INSERT", intended, delegate.insert(table, key, values));
    }

    @Override
    public Status delete(String table, String key) {
        long intended = intendedStart();
        return measured("DELETE", intended, delegate.delete(table, key));
    }
}
