package io.murmur.sim.report;

import io.murmur.sim.ycsb.MurmurYcsbClient;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The binding of the faults run: {@link MurmurYcsbClient} underneath, and a record of what
 * happened. Every operation's outcome is counted per second of the wall clock, by status
 * ({@code OK}, {@code SERVICE_UNAVAILABLE}, {@code TIMEOUT}, ...); every insert the cluster
 * acknowledged has its key written down, so that the harness can read them all back after
 * the run. Both go to files in {@code report.record_dir}, written by the last thread's
 * cleanup: {@code outcomes.csv} ({@code epoch_second,operation,status,count}) and
 * {@code acknowledged-inserts.txt} (a key a line, written as acknowledged).
 */
public final class RecordingYcsbClient extends DB {
    static final String OUTCOMES = "outcomes.csv";
    static final String ACKNOWLEDGED = "acknowledged-inserts.txt";

    private static final Object LOCK = new Object();
    private static final ConcurrentSkipListMap<Long, Map<String, LongAdder>> OUTCOMES_BY_SECOND =
            new ConcurrentSkipListMap<>();
    private static BufferedWriter acknowledged;
    private static Path recordDir;
    private static int references;

    private final MurmurYcsbClient delegate = new MurmurYcsbClient();
    private boolean acquired;

    @Override
    public void init() throws DBException {
        String dir = getProperties().getProperty("report.record_dir");
        if (dir == null || dir.isBlank()) {
            throw new DBException("report.record_dir is not set: where to write what was acknowledged");
        }
        synchronized (LOCK) {
            if (acknowledged == null) {
                try {
                    recordDir = Path.of(dir);
                    Files.createDirectories(recordDir);
                    acknowledged = Files.newBufferedWriter(recordDir.resolve(ACKNOWLEDGED), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new DBException("cannot write to " + dir + ": " + e.getMessage(), e);
                }
            }
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
            try {
                acknowledged.close();
                acknowledged = null;
                StringBuilder csv = new StringBuilder("epoch_second,operation,status,count\n");
                OUTCOMES_BY_SECOND.forEach((second, counts) -> counts.forEach((opStatus, n) ->
                        csv.append(second).append(',').append(opStatus).append(',').append(n.sum()).append('\n')));
                Files.writeString(recordDir.resolve(OUTCOMES), csv, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new DBException("cannot write the record of the run to " + recordDir + ": " + e.getMessage(), e);
            }
        }
    }

    private static Status count(String op, Status status) {
        long second = System.currentTimeMillis() / 1000;
        OUTCOMES_BY_SECOND.computeIfAbsent(second, s -> new ConcurrentHashMap<>())
                .computeIfAbsent(op + "," + status.getName(), k -> new LongAdder()).increment();
        return status;
    }

    @Override
    public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
        return count("READ", delegate.read(table, key, fields, result));
    }

    @Override
    public Status scan(String table, String startkey, int recordcount, Set<String> fields,
                       Vector<HashMap<String, ByteIterator>> result) {
        return count("SCAN", delegate.scan(table, startkey, recordcount, fields, result));
    }

    @Override
    public Status update(String table, String key, Map<String, ByteIterator> values) {
        return count("UPDATE", delegate.update(table, key, values));
    }

    @Override
    public Status insert(String table, String key, Map<String, ByteIterator> values) {
        Status s = delegate.insert(table, key, values);
        if (s.isOk()) {
            synchronized (LOCK) {
                try {
                    acknowledged.write(key);
                    acknowledged.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return count("INSERT", s);
    }

    @Override
    public Status delete(String table, String key) {
        return count("DELETE", delegate.delete(table, key));
    }
}
