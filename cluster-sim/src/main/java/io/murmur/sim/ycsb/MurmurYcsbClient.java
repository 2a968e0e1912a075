package io.murmur.sim.ycsb;

import io.murmur.client.BlockingMurmurClient;
import io.murmur.client.CausalContext;
import io.murmur.client.ConnectionException;
import io.murmur.client.GetOptions;
import io.murmur.client.GetResult;
import io.murmur.client.MurmurClient;
import io.murmur.client.PutOptions;
import io.murmur.client.RequestTimeoutException;
import io.murmur.client.TimeoutException;
import io.murmur.client.UnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The YCSB binding: {@code -db io.murmur.sim.ycsb.MurmurYcsbClient}. Every YCSB thread has
 * its own instance; they share one {@link MurmurClient} per JVM (smart routing on by
 * default: each request goes straight to a replica of its key), made by the first
 * {@link #init()} and closed by the last {@link #cleanup()}.
 *
 * <p>A record is one Murmur value, its fields encoded by {@link FieldCodec}; the table name
 * is not part of the key (YCSB's core workloads use one table).
 * <ul>
 *   <li>{@code read}: a get; the fields asked for (all when none are named) of the record,
 *       siblings merged field by field; {@code NOT_FOUND} when the key holds no value.</li>
 *   <li>{@code insert}: a put without a context (a new key).</li>
 *   <li>{@code update}: a get, the new fields laid over the record read, and a put with the
 *       read's causal context, so the write supersedes what was read, siblings included,
 *       instead of adding one. A key that holds nothing is written as a new record.</li>
 *   <li>{@code delete}: a get, then a delete with its context; {@code NOT_FOUND} when the
 *       key holds no value.</li>
 *   <li>{@code scan}: {@code NOT_IMPLEMENTED}. Keys are placed by hash, so the store has no
 *       key order to scan in.</li>
 * </ul>
 * A failure is counted by kind ({@link #statusOf}): {@code SERVICE_UNAVAILABLE},
 * {@code TIMEOUT}, {@code CLIENT_TIMEOUT}, {@code CONNECTION_LOST}, else {@code ERROR} (a
 * node's other errors, a value that does not decode); its message is logged at debug.
 *
 * <p>Properties (with {@code -p} or in the workload file):
 * <ul>
 *   <li>{@code murmur.hosts} (or {@code hosts}): {@code host:port,...} of client ports;
 *       default {@value #DEFAULT_HOSTS}. With smart routing one is enough.</li>
 *   <li>{@code murmur.read_r}: r of reads; default the cluster's.</li>
 *   <li>{@code murmur.write_w}: w of inserts and updates; default the cluster's.</li>
 *   <li>{@code murmur.update_r}: r of the read an update or delete starts with; default
 *       {@code murmur.read_r}.</li>
 *   <li>{@code murmur.delete_w}: w of deletes; default {@code murmur.write_w}.</li>
 *   <li>{@code murmur.timeout_ms}: a request's deadline on the client (default 5000).</li>
 *   <li>{@code murmur.connect_timeout_ms}: per connect (default 2000).</li>
 *   <li>{@code murmur.smart_routing}: true (default) or false (round-robin over the hosts,
 *       which forward).</li>
 *   <li>{@code murmur.connections_per_host}: pipelined connections per node (default 1).</li>
 * </ul>
 */
public final class MurmurYcsbClient extends DB {
    /** Where the binding connects when no host is given: a node started with the defaults. */
    public static final String DEFAULT_HOSTS = "127.0.0.1:7070";

    private static final Logger LOG = LoggerFactory.getLogger(MurmurYcsbClient.class);
    private static final AtomicBoolean SCAN_WARNED = new AtomicBoolean();
    private static final Object SHARED_LOCK = new Object();
    private static MurmurClient shared;
    private static int references;

    private BlockingMurmurClient db;
    private Settings settings;
    private boolean acquired;

    /** The binding's properties, parsed. */
    record Settings(List<String> hosts, GetOptions read, GetOptions updateRead, PutOptions write, PutOptions delete,
                    Duration timeout, Duration connectTimeout, boolean smartRouting, int connectionsPerHost) {
        static Settings from(Properties p) throws DBException {
            String hosts = p.getProperty("murmur.hosts", p.getProperty("hosts", DEFAULT_HOSTS)).trim();
            List<String> hostList = Arrays.stream(hosts.split(",")).map(String::trim).filter(h -> !h.isEmpty())
                    .toList();
            if (hostList.isEmpty()) {
                throw new DBException("murmur.hosts is empty: give host:port,... of the nodes' client ports");
            }
            int r = positive(p, "murmur.read_r", 0);
            int w = positive(p, "murmur.write_w", 0);
            int ur = positive(p, "murmur.update_r", r);
            int dw = positive(p, "murmur.delete_w", w);
            return new Settings(hostList, r == 0 ? GetOptions.DEFAULT : GetOptions.withR(r),
                    ur == 0 ? GetOptions.DEFAULT : GetOptions.withR(ur),
                    w == 0 ? PutOptions.DEFAULT : PutOptions.withW(w),
                    dw == 0 ? PutOptions.DEFAULT : PutOptions.withW(dw),
                    Duration.ofMillis(positive(p, "murmur.timeout_ms", 5000)),
                    Duration.ofMillis(positive(p, "murmur.connect_timeout_ms", 2000)),
                    bool(p, "murmur.smart_routing", true),
                    positive(p, "murmur.connections_per_host", 1));
        }

        private static int positive(Properties p, String key, int def) throws DBException {
            String v = p.getProperty(key);
            if (v == null || v.isBlank()) {
                return def;
            }
            try {
                int n = Integer.parseInt(v.trim());
                if (n < 1) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new DBException(key + " must be a positive integer, not '" + v + "'");
            }
        }

        private static boolean bool(Properties p, String key, boolean def) throws DBException {
            String v = p.getProperty(key);
            if (v == null || v.isBlank()) {
                return def;
            }
            return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "on", "yes" -> true;
                case "false", "off", "no" -> false;
                default -> throw new DBException(key + " must be true or false, not '" + v + "'");
            };
        }
    }

    @Override
    public void init() throws DBException {
        settings = Settings.from(getProperties());
        synchronized (SHARED_LOCK) {
            if (shared == null) {
                MurmurClient client = MurmurClient.builder()
                        .hosts(settings.hosts())
                        .smartRouting(settings.smartRouting())
                        .requestTimeout(settings.timeout())
                        .connectTimeout(settings.connectTimeout())
                        .connectionsPerHost(settings.connectionsPerHost())
                        .clientName("murmur-ycsb")
                        .build();
                try {
                    client.blocking().ping();
                } catch (RuntimeException e) {
                    client.close();
                    throw new DBException("cannot reach a Murmur node at " + String.join(",", settings.hosts())
                            + ": " + e.getMessage(), e);
                }
                shared = client;
                LOG.debug("connected to {} (smart routing {})", settings.hosts(), settings.smartRouting());
            }
            references++;
            acquired = true;
            db = shared.blocking();
        }
    }

    @Override
    public void cleanup() throws DBException {
        synchronized (SHARED_LOCK) {
            if (!acquired) {
                return;
            }
            acquired = false;
            db = null;
            if (--references == 0) {
                shared.close();
                shared = null;
            }
        }
    }

    /** Whether a client is open in this JVM (for tests). */
    static boolean sharedClientOpen() {
        synchronized (SHARED_LOCK) {
            return shared != null;
        }
    }

    @Override
    public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
        try {
            GetResult r = db.get(utf8(key), settings.read());
            if (!r.found()) {
                return Status.NOT_FOUND;
            }
            for (Map.Entry<String, byte[]> e : FieldCodec.merge(r.siblings()).entrySet()) {
                if (fields == null || fields.contains(e.getKey())) {
                    result.put(e.getKey(), new ByteArrayByteIterator(e.getValue()));
                }
            }
            return Status.OK;
        } catch (RuntimeException e) {
            return failed("read", key, e);
        }
    }

    @Override
    public Status insert(String table, String key, Map<String, ByteIterator> values) {
        try {
            db.put(utf8(key), FieldCodec.encode(bytes(values)), CausalContext.EMPTY, settings.write());
            return Status.OK;
        } catch (RuntimeException e) {
            return failed("insert", key, e);
        }
    }

    @Override
    public Status update(String table, String key, Map<String, ByteIterator> values) {
        try {
            byte[] k = utf8(key);
            GetResult r = db.get(k, settings.updateRead());
            Map<String, byte[]> record = r.found() ? FieldCodec.merge(r.siblings()) : new LinkedHashMap<>();
            record.putAll(bytes(values));
            db.put(k, FieldCodec.encode(record), r.context(), settings.write());
            return Status.OK;
        } catch (RuntimeException e) {
            return failed("update", key, e);
        }
    }

    @Override
    public Status delete(String table, String key) {
        try {
            byte[] k = utf8(key);
            GetResult r = db.get(k, settings.updateRead());
            if (!r.found()) {
                return Status.NOT_FOUND;
            }
            db.delete(k, r.context(), settings.delete());
            return Status.OK;
        } catch (RuntimeException e) {
            return failed("delete", key, e);
        }
    }

    @Override
    public Status scan(String table, String startkey, int recordcount, Set<String> fields,
                       Vector<HashMap<String, ByteIterator>> result) {
        if (SCAN_WARNED.compareAndSet(false, true)) {
            LOG.warn("scan is not implemented: Murmur places keys by hash and has no key order to scan in "
                    + "(workload e needs scans)");
        }
        return Status.NOT_IMPLEMENTED;
    }

    /** A node's {@code TIMEOUT}: the coordinator did not hear from enough replicas in time. */
    public static final Status TIMEOUT = new Status("TIMEOUT", "The coordinator timed out waiting for replicas.");
    /** The client's own deadline passed without an answer. */
    public static final Status CLIENT_TIMEOUT = new Status("CLIENT_TIMEOUT",
            "No answer within murmur.timeout_ms.");
    /** The connection to the node failed or was lost. */
    public static final Status CONNECTION_LOST = new Status("CONNECTION_LOST",
            "The connection to the node failed or was lost.");

    private static Status failed(String op, String key, RuntimeException e) {
        LOG.debug("{} {} failed: {}", op, key, e.toString());
        return statusOf(e);
    }

    /**
     * The status a failure is reported as, so that YCSB's summary counts failures by kind:
     * a node's {@code UNAVAILABLE} is {@link Status#SERVICE_UNAVAILABLE}, a node's
     * {@code TIMEOUT} {@link #TIMEOUT}, the client's deadline {@link #CLIENT_TIMEOUT}, a
     * failed or lost connection {@link #CONNECTION_LOST}; anything else is {@link Status#ERROR}.
     */
    static Status statusOf(RuntimeException e) {
        Throwable t = e;
        if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof UnavailableException) {
            return Status.SERVICE_UNAVAILABLE;
        }
        if (t instanceof TimeoutException) {
            return TIMEOUT;
        }
        if (t instanceof RequestTimeoutException) {
            return CLIENT_TIMEOUT;
        }
        if (t instanceof ConnectionException) {
            return CONNECTION_LOST;
        }
        return Status.ERROR;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, byte[]> bytes(Map<String, ByteIterator> values) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, ByteIterator> e : values.entrySet()) {
            out.put(e.getKey(), e.getValue().toArray());
        }
        return out;
    }
}
