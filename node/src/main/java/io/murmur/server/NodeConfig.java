package io.murmur.server;

import io.murmur.antientropy.AntiEntropy;
import io.murmur.antientropy.AntiEntropySettings;
import io.murmur.antientropy.MerkleTree;
import io.murmur.membership.MembershipSettings;
import io.murmur.replication.ReplicationSettings;
import io.murmur.ring.RingMember;
import io.murmur.storage.SyncMode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A node's validated configuration. Each key's default and the reason for it are
 * documented in {@code conf/node.yaml}; this class and that file must agree (a test
 * loads the shipped file and checks that every key in it is known and every default
 * matches).
 *
 * <p>Built by {@link #load}: YAML file, then command-line overrides, then validation. An
 * invalid value fails with a {@link ConfigException} naming the origin, key and rule.
 */
public final class NodeConfig {
    public final String clusterName;
    /** Empty when the node should take the id stored in its data dir (or make one). */
    public final String nodeId;
    public final String rack;
    public final int vnodes;
    public final int weight;

    public final String listenHost;
    public final String advertiseHost;
    public final int clientPort;
    public final int peerPort;
    public final List<String> seeds;
    public final int ioThreads;
    /** "auto" (epoll where available), "epoll" or "nio". */
    public final String transport;
    public final int requestThreads;

    public final Path dataDir;
    public final SyncMode syncMode;
    public final long syncIntervalMillis;
    public final long cacheBytes;
    public final long blockCacheBytes;
    public final long writeBufferBytes;
    public final int storageBackgroundJobs;

    public final int maxKeyBytes;
    public final int maxValueBytes;
    public final int maxFrameBytes;
    public final int maxInFlightPerConnection;
    public final int maxConnections;
    public final int writeBufferHighWaterBytes;

    public final int maxClockEntries;
    public final long shutdownDrainMillis;

    public final MembershipSettings membership;
    public final ReplicationSettings replication;
    public final boolean leaveOnShutdown;
    public final int maxPeerFrameBytes;
    /** Whether this node keeps Merkle trees and runs repair sessions; off, tombstones purge on the grace period alone. */
    public final boolean antiEntropyEnabled;
    public final AntiEntropySettings antiEntropy;

    private NodeConfig(ConfigSource s) {
        Reader r = new Reader(s);
        clusterName = r.string("cluster.name", "murmur", true);
        nodeId = r.string("node.id", "", false);
        if (!nodeId.isEmpty() && !nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw r.error("node.id", "must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        rack = r.string("node.rack", "default", true);
        vnodes = r.integer("node.vnodes", 256, 1, RingMember.MAX_VNODES);
        weight = r.integer("node.weight", 1, 1, RingMember.MAX_WEIGHT);

        listenHost = r.string("network.listen", "127.0.0.1", true);
        String advertise = r.string("network.advertise", "", false);
        if (advertise.isEmpty()) {
            if (isWildcard(listenHost)) {
                throw r.error("network.advertise",
                        "must be set when network.listen is the wildcard address " + listenHost
                                + " (peers and clients need an address they can reach)");
            }
            advertise = listenHost;
        } else if (isWildcard(advertise)) {
            throw r.error("network.advertise", "must be an address others can reach, not " + advertise);
        }
        advertiseHost = advertise;
        clientPort = r.integer("network.client_port", 7070, 0, 65535);
        peerPort = r.integer("network.peer_port", 7071, 0, 65535);
        if (clientPort != 0 && clientPort == peerPort) {
            throw r.error("network.peer_port", "must differ from network.client_port (" + clientPort + ")");
        }
        seeds = r.stringList("network.seeds");
        for (String seed : seeds) {
            int colon = seed.lastIndexOf(':');
            boolean ok = colon > 0;
            if (ok) {
                try {
                    int port = Integer.parseInt(seed.substring(colon + 1));
                    ok = port > 0 && port <= 65535;
                } catch (NumberFormatException e) {
                    ok = false;
                }
            }
            if (!ok) {
                throw r.error("network.seeds", "entries must be HOST:PORT, got '" + seed + "'");
            }
        }
        transport = r.string("network.transport", "auto", true);
        if (!List.of("auto", "epoll", "nio").contains(transport)) {
            throw r.error("network.transport", "must be auto, epoll or nio, got '" + transport + "'");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        ioThreads = orDefault(r.integer("network.io_threads", 0, 0, 1024), cores);
        requestThreads = orDefault(r.integer("server.request_threads", 0, 0, 4096), Math.max(4, 4 * cores));

        dataDir = Path.of(r.string("storage.data_dir", "data", true));
        String sync = r.string("storage.sync", "always", true);
        try {
            syncMode = SyncMode.valueOf(sync.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw r.error("storage.sync", "must be 'always' or 'periodic', got '" + sync + "'");
        }
        syncIntervalMillis = r.longValue("storage.sync_interval_millis", 1000, 1, 60_000);
        cacheBytes = r.longValue("storage.cache_bytes", 64L << 20, 0, Long.MAX_VALUE);
        blockCacheBytes = r.longValue("storage.block_cache_bytes", 128L << 20, 1L << 20, Long.MAX_VALUE);
        writeBufferBytes = r.longValue("storage.write_buffer_bytes", 32L << 20, 1L << 20, 1L << 34);
        storageBackgroundJobs = r.integer("storage.background_jobs", 2, 1, 64);

        maxKeyBytes = r.integer("limits.max_key_bytes", 64 * 1024, 1, 16 << 20);
        maxValueBytes = r.integer("limits.max_value_bytes", 1 << 20, 1, 512 << 20);
        int derivedFrame = maxKeyBytes + maxValueBytes + FRAME_OVERHEAD_BYTES;
        maxFrameBytes = r.has("limits.max_frame_bytes")
                ? r.integer("limits.max_frame_bytes", derivedFrame, 1024, Integer.MAX_VALUE)
                : derivedFrame;
        if (maxFrameBytes < derivedFrame) {
            throw r.error("limits.max_frame_bytes", "must be >= limits.max_key_bytes + limits.max_value_bytes + "
                    + FRAME_OVERHEAD_BYTES + " = " + derivedFrame + " so that the largest allowed write fits");
        }
        maxInFlightPerConnection = r.integer("limits.max_in_flight_per_connection", 128, 1, 1 << 16);
        maxConnections = r.integer("limits.max_connections", 4096, 1, 1 << 20);
        writeBufferHighWaterBytes = r.integer("limits.write_buffer_high_water_bytes", 4 << 20, 64 * 1024,
                1 << 30);

        maxClockEntries = r.integer("version.max_clock_entries", 32, 1, 1024);
        shutdownDrainMillis = r.longValue("server.shutdown_drain_millis", 10_000, 0, 600_000);

        MembershipSettings d = MembershipSettings.DEFAULTS;
        Duration interval = Duration.ofMillis(r.longValue("membership.interval_millis",
                d.interval().toMillis(), 10, 60_000));
        membership = new MembershipSettings(
                interval,
                r.integer("membership.monitors", d.monitors(), 1, 64),
                r.integer("membership.indirect_probes", d.indirectProbes(), 0, 16),
                r.decimal("membership.phi_threshold", d.phiThreshold(), 0.5, 100),
                r.integer("membership.phi_window", d.phiWindow(), 2, 100_000),
                Duration.ofMillis(r.longValue("membership.min_std_dev_millis", d.minStdDev().toMillis(), 1,
                        60_000)),
                Duration.ofMillis(r.longValue("membership.acceptable_pause_millis",
                        d.acceptablePause().toMillis(), 0, 3_600_000)),
                Duration.ofMillis(r.longValue("membership.suspicion_timeout_millis",
                        d.suspicionTimeout().toMillis(), 1, 3_600_000)),
                Duration.ofMillis(r.longValue("membership.local_pause_threshold_millis",
                        d.localPauseThreshold().toMillis(), 1, 3_600_000)),
                r.integer("membership.fanout", d.fanout(), 0, 64),
                r.integer("membership.news_rounds", d.newsRounds(), 1, 1000),
                r.integer("membership.max_digests", d.maxDigests(), 1, 4096),
                r.integer("membership.max_states", d.maxStates(), 1, 4096),
                r.integer("membership.max_message_bytes", d.maxMessageBytes(), 1024, 16 << 20),
                r.decimal("membership.seed_gossip_chance", d.seedGossipChance(), 0, 1),
                Duration.ofSeconds(r.longValue("membership.remove_left_after_seconds",
                        d.removeLeftAfter().toSeconds(), 1, 365L * 86_400)),
                Duration.ofSeconds(r.longValue("membership.remove_down_after_seconds",
                        d.removeDownAfter().toSeconds(), 1, 365L * 86_400)));
        leaveOnShutdown = r.bool("membership.leave_on_shutdown", false);

        ReplicationSettings rd = ReplicationSettings.DEFAULTS;
        int n = r.integer("replication.n", rd.n(), 1, ReplicationSettings.MAX_N);
        int readQuorum = r.integer("replication.r", rd.r(), 1, ReplicationSettings.MAX_N);
        int writeQuorum = r.integer("replication.w", rd.w(), 1, ReplicationSettings.MAX_N);
        if (readQuorum > n || writeQuorum > n) {
            throw r.error(readQuorum > n ? "replication.r" : "replication.w",
                    "must be at most replication.n (" + n + "): r=" + readQuorum + ", w=" + writeQuorum);
        }
        replication = replicationSettings(r, n, readQuorum, writeQuorum, maxClockEntries);
        antiEntropyEnabled = r.bool("anti_entropy.enabled", true);
        antiEntropy = antiEntropySettings(r);
        // a gossip message and its frame envelope
        maxPeerFrameBytes = membership.maxMessageBytes() * 2 + 1024;

        List<String> unknown = s.unknownKeys();
        if (!unknown.isEmpty()) {
            String key = unknown.get(0);
            throw new ConfigException(s.origin(key) + ": unknown key '" + key + "'"
                    + (unknown.size() > 1 ? " (and " + (unknown.size() - 1) + " more: " + unknown + ")" : ""));
        }
    }

    private static ReplicationSettings replicationSettings(Reader r, int n, int readQuorum, int writeQuorum,
                                                           int maxClockEntries) {
        ReplicationSettings rd = ReplicationSettings.DEFAULTS;
        long window = r.longValue("replication.hint_window_seconds", rd.hintWindowMillis() / 1000, 1,
                30L * 86_400) * 1000;
        long grace = r.longValue("replication.tombstone_grace_seconds", rd.tombstoneGraceMillis() / 1000, 0,
                3650L * 86_400) * 1000;
        if (grace < window) {
            throw r.error("replication.tombstone_grace_seconds", "must be at least replication.hint_window_seconds ("
                    + window / 1000 + "): a replica that gets a delete only from a hint must get it before the "
                    + "tombstone may be purged elsewhere");
        }
        return new ReplicationSettings(n, readQuorum, writeQuorum,
                r.longValue("replication.timeout_millis", rd.timeoutMillis(), 1, 600_000),
                r.bool("replication.hints_count_toward_w", rd.hintsCountTowardW()),
                maxClockEntries,
                window,
                r.longValue("replication.max_hint_bytes_per_target", rd.maxHintBytesPerTarget(), 1024, 1L << 40),
                r.longValue("replication.hint_replay_bytes_per_second", rd.hintReplayBytesPerSecond(), 1024,
                        1L << 34),
                rd.hintReplayIntervalMillis(),
                r.integer("replication.max_read_repairs_in_flight", rd.maxReadRepairsInFlight(), 0, 1 << 20),
                grace);
    }

    /** Longest scheduled-repair interval: a day (0 turns scheduled repair off). */
    static final long MAX_REPAIR_INTERVAL_SECONDS = 86_400;

    private static AntiEntropySettings antiEntropySettings(Reader r) {
        AntiEntropySettings d = AntiEntropySettings.DEFAULTS;
        return new AntiEntropySettings(
                r.integer("anti_entropy.tree_depth", d.depth(), MerkleTree.MIN_DEPTH, MerkleTree.MAX_DEPTH),
                r.longValue("anti_entropy.interval_seconds", d.intervalMillis() / 1000, 0,
                        MAX_REPAIR_INTERVAL_SECONDS) * 1000,
                r.integer("anti_entropy.ranges_per_session", d.rangesPerSession(), 1,
                        AntiEntropy.MAX_RANGES_PER_SESSION),
                r.longValue("anti_entropy.bytes_per_second", d.bytesPerSecond(), 1024, 1L << 40),
                r.longValue("anti_entropy.request_timeout_ms", d.requestTimeoutMillis(), 1, 600_000),
                d.maxEntriesPerMessage(),
                d.maxRecordBytesPerMessage(),
                r.integer("anti_entropy.max_sessions_served", d.maxSessionsServed(), 1, 64),
                r.longValue("anti_entropy.clock_skew_ms", d.clockSkewMillis(), 0, 86_400_000));
    }

    /** Room in a frame beyond the key and value: request fields, context, framing. */
    static final int FRAME_OVERHEAD_BYTES = 64 * 1024;

    /** One value set outside the config file: by a flag, or by {@code --set KEY=VALUE}. */
    public record Override(String key, Object value, boolean parseAsYaml, String origin) {
        /** A typed value, taken as is (e.g. {@code --client-port 7070}). */
        public static Override of(String key, Object value, String origin) {
            return new Override(key, value, false, origin);
        }

        /** Text parsed as a YAML scalar or flow list (e.g. {@code --set storage.sync=periodic}). */
        public static Override parsed(String key, String text, String origin) {
            return new Override(key, text, true, origin);
        }
    }

    /**
     * Loads {@code file} (if not null), applies {@code overrides} in order, and validates.
     */
    public static NodeConfig load(Path file, List<Override> overrides) {
        ConfigSource source = file == null ? ConfigSource.empty() : ConfigSource.fromFile(file);
        for (Override o : overrides) {
            if (o.parseAsYaml()) {
                source.override(o.key(), (String) o.value(), o.origin());
            } else {
                source.overrideValue(o.key(), o.value(), o.origin());
            }
        }
        return new NodeConfig(source);
    }

    /** Validates defaults with the given overrides only (no file): for tests and tools. */
    public static NodeConfig fromOverrides(Map<String, Object> values) {
        ConfigSource source = ConfigSource.empty();
        values.forEach((k, v) -> source.overrideValue(k, v, "override"));
        return new NodeConfig(source);
    }

    private static int orDefault(int configured, int fallback) {
        return configured == 0 ? fallback : configured;
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    /** Typed reads with range checks; errors name the value's origin. */
    private static final class Reader {
        private final ConfigSource s;

        Reader(ConfigSource s) {
            this.s = s;
        }

        ConfigException error(String key, String rule) {
            return new ConfigException(s.origin(key) + ": " + key + " " + rule);
        }

        boolean has(String key) {
            return s.has(key);
        }

        String string(String key, String def, boolean required) {
            Object v = s.value(key);
            if (v == null) {
                return def;
            }
            if (v instanceof Map || v instanceof List) {
                throw error(key, "must be a single value");
            }
            String str = String.valueOf(v).trim();
            if (required && str.isEmpty()) {
                throw error(key, "must not be empty");
            }
            return str;
        }

        long longValue(String key, long def, long min, long max) {
            Object v = s.value(key);
            long value;
            if (v == null) {
                value = def;
            } else if (v instanceof Integer || v instanceof Long) {
                value = ((Number) v).longValue();
            } else {
                throw error(key, "must be a whole number, got '" + v + "'");
            }
            if (value < min) {
                throw error(key, min == 1 ? "must be > 0" : "must be >= " + min);
            }
            if (value > max) {
                throw error(key, "must be <= " + max);
            }
            return value;
        }

        double decimal(String key, double def, double min, double max) {
            Object v = s.value(key);
            double value;
            if (v == null) {
                value = def;
            } else if (v instanceof Number n) {
                value = n.doubleValue();
            } else {
                throw error(key, "must be a number, got '" + v + "'");
            }
            if (!(value >= min && value <= max)) {
                throw error(key, "must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        }

        boolean bool(String key, boolean def) {
            Object v = s.value(key);
            if (v == null) {
                return def;
            }
            if (v instanceof Boolean b) {
                return b;
            }
            throw error(key, "must be true or false, got '" + v + "'");
        }

        int integer(String key, int def, int min, int max) {
            return (int) longValue(key, def, min, max);
        }

        List<String> stringList(String key) {
            Object v = s.value(key);
            List<String> out = new ArrayList<>();
            if (v == null) {
                return List.of();
            }
            if (v instanceof List<?> list) {
                for (Object o : list) {
                    out.add(String.valueOf(o).trim());
                }
            } else {
                for (String part : String.valueOf(v).split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.trim());
                    }
                }
            }
            return List.copyOf(out);
        }
    }
}
