package io.murmur.sim.antientropy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.murmur.antientropy.AntiEntropy;
import io.murmur.antientropy.AntiEntropySettings;
import io.murmur.antientropy.TrackedStorage;
import io.murmur.antientropy.TreeIndex;
import io.murmur.proto.peer.KeyedRecord;
import io.murmur.proto.peer.RepairMessage;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.replication.Tombstones;
import io.murmur.replication.Topology;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import io.murmur.runtime.Clock;
import io.murmur.runtime.Scheduler;
import io.murmur.storage.InMemoryStorage;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Anti-entropy cores of a few in-memory replicas on one virtual clock, for experiments.
 * Every node replicates every range (n = number of nodes). Messages cross as bytes: each
 * is serialized by its sender and parsed by its receiver, with no latency, and counted on
 * the way ({@link Wire}). Time moves only when nothing is in flight, straight to the next
 * timer, so a repair's virtual duration is what its timers (and throttle) make it.
 *
 * <p>One thread drives everything, as the cores require.
 */
public final class RepairCluster implements Clock {
    /** Virtual wall clock at virtual time zero. */
    public static final long WALL_START_MILLIS = 1_700_000_000_000L;

    private final RingSnapshot ring;
    private final Map<String, Replica> replicas = new LinkedHashMap<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> a.at != b.at
            ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private final ArrayDeque<Envelope> inFlight = new ArrayDeque<>();
    private final Wire wire = new Wire();
    private long now;
    private long seq;

    private record Envelope(String to, byte[] bytes) {
    }

    private static final class Timer implements Scheduler.Cancellable {
        final long at;
        final long seq;
        final Runnable task;
        boolean over;

        Timer(long at, long seq, Runnable task) {
            this.at = at;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public boolean cancel() {
            if (over) {
                return false;
            }
            over = true; // left in the queue, skipped when due: cheaper than removing it
            return true;
        }
    }

    /** One replica: its store (in memory), its trees and its anti-entropy core. */
    public final class Replica {
        private final String id;
        private final InMemoryStorage raw;
        private final TreeIndex trees;
        private final TrackedStorage storage;
        private final AntiEntropy core;

        private Replica(String id, InMemoryStorage raw, AntiEntropySettings settings, int n) {
            this.id = id;
            this.raw = raw;
            this.trees = new TreeIndex(settings.depth());
            this.storage = new TrackedStorage(raw, trees);
            Tombstones tombstones = new Tombstones(Duration.ofDays(1).toMillis(), RepairCluster.this,
                    new AtomicLong());
            Topology topology = new Topology() {
                @Override
                public RingSnapshot ring() {
                    return ring;
                }

                @Override
                public boolean isLive(String nodeId) {
                    return true;
                }

                @Override
                public boolean ready() {
                    return true;
                }

                @Override
                public String addressOf(String nodeId) {
                    return replicas.containsKey(nodeId) ? nodeId : null;
                }
            };
            this.core = new AntiEntropy(id, id, settings, n, storage, tombstones, RepairCluster.this, scheduler(),
                    (to, m) -> send(to, m), topology);
            tombstones.requireRepair(core, settings.clockSkewMillis());
        }

        public String id() {
            return id;
        }

        /** The store below the trees: writes here leave the trees as they are. */
        public InMemoryStorage raw() {
            return raw;
        }

        /** The store the core writes through: writes here update the trees. */
        public TrackedStorage storage() {
            return storage;
        }

        public TreeIndex trees() {
            return trees;
        }

        public AntiEntropy core() {
            return core;
        }

        /** The root of every tree, in the order of {@link TreeIndex#ranges()}. */
        public long[] roots() {
            var ranges = trees.ranges();
            long[] out = new long[ranges.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = trees.tree(ranges.get(i)).root();
            }
            return out;
        }
    }

    /**
     * Replicas {@code ids}, with empty stores, on a ring of {@code vnodes} tokens each (one
     * rack), each replicating every range.
     */
    public RepairCluster(AntiEntropySettings settings, int vnodes, String... ids) {
        this(settings, vnodes, emptyStores(ids));
    }

    /**
     * A replica per entry of {@code stores} (its id, the store below its trees, which may
     * hold records already: trees are built on the first repair or {@link AntiEntropy#ensureTrees}).
     */
    public RepairCluster(AntiEntropySettings settings, int vnodes, Map<String, InMemoryStorage> stores) {
        List<RingMember> members = new ArrayList<>();
        for (String id : stores.keySet()) {
            members.add(new RingMember(id, "r1", vnodes, 1));
        }
        this.ring = RingSnapshot.of(members);
        stores.forEach((id, store) -> replicas.put(id, new Replica(id, store, settings, stores.size())));
    }

    private static Map<String, InMemoryStorage> emptyStores(String... ids) {
        Map<String, InMemoryStorage> out = new LinkedHashMap<>();
        for (String id : ids) {
            out.put(id, new InMemoryStorage());
        }
        return out;
    }

    public RingSnapshot ring() {
        return ring;
    }

    public Replica replica(String id) {
        Replica r = replicas.get(id);
        if (r == null) {
            throw new IllegalArgumentException("no replica " + id);
        }
        return r;
    }

    public List<Replica> replicas() {
        return List.copyOf(replicas.values());
    }

    /**
     * Builds every replica's trees from its store now. A replica without trees answers a
     * session with "unknown" for every range (nothing is compared), so call this before
     * a repair unless the replica's own core has been started and ticked.
     */
    public void buildTrees() {
        for (Replica r : replicas.values()) {
            r.core.ensureTrees();
        }
    }

    /** What crossed the network so far. */
    public Wire wire() {
        return wire;
    }

    @Override
    public long nanos() {
        return now;
    }

    @Override
    public long wallMillis() {
        return WALL_START_MILLIS + now / 1_000_000;
    }

    private Scheduler scheduler() {
        return (task, delay, unit) -> {
            Timer t = new Timer(now + unit.toNanos(delay), seq++, task);
            timers.add(t);
            return t;
        };
    }

    private void send(String to, ReplicaMessage message) {
        byte[] bytes = message.toByteArray();
        wire.count(message, bytes.length);
        inFlight.add(new Envelope(to, bytes));
    }

    /**
     * Delivers messages and runs timers until {@code done}, moving virtual time only when
     * nothing is in flight.
     *
     * @throws IllegalStateException if {@code done} is still false after {@code limit} of virtual time
     */
    public void runUntil(BooleanSupplier done, Duration limit) {
        long deadline = now + limit.toNanos();
        while (!done.getAsBoolean()) {
            Envelope e = inFlight.poll();
            if (e != null) {
                deliver(e);
                continue;
            }
            Timer t = timers.poll();
            if (t == null || t.at > deadline) {
                throw new IllegalStateException("not done after " + limit.toSeconds() + " s of virtual time"
                        + (t == null ? " (nothing left to run)" : ""));
            }
            if (t.over) {
                continue;
            }
            t.over = true;
            now = Math.max(now, t.at);
            t.task.run();
        }
    }

    private void deliver(Envelope e) {
        ReplicaMessage m;
        try {
            m = ReplicaMessage.parseFrom(e.bytes());
        } catch (InvalidProtocolBufferException ex) {
            throw new IllegalStateException("a message did not parse", ex);
        }
        replica(e.to()).core.onMessage(m);
    }

    /**
     * Bytes on the wire: every message's serialized size, split into the tree descent
     * (open, compare, differs), the records carried (each {@link KeyedRecord}'s serialized
     * size) and everything else (leaf entries, wanted lists, envelopes, acks).
     */
    public static final class Wire {
        private long messages;
        private long bytes;
        private long treeBytes;
        private long recordBytes;
        private long records;

        void count(ReplicaMessage m, int size) {
            messages++;
            bytes += size;
            if (!m.hasRepair()) {
                return;
            }
            RepairMessage r = m.getRepair();
            switch (r.getBodyCase()) {
                case OPEN, COMPARE, DIFFERS -> treeBytes += size;
                case EXCHANGE -> addRecords(r.getExchange().getRecordsList());
                case RECORDS -> addRecords(r.getRecords().getRecordsList());
                default -> {
                }
            }
        }

        private void addRecords(List<KeyedRecord> list) {
            for (KeyedRecord kr : list) {
                recordBytes += kr.getSerializedSize();
                records++;
            }
        }

        public long messages() {
            return messages;
        }

        /** Every message's serialized size, both ways. */
        public long bytes() {
            return bytes;
        }

        /** Messages of the tree descent: open, compare, differs. */
        public long treeBytes() {
            return treeBytes;
        }

        /** The records carried, each counted as its own serialized {@link KeyedRecord}. */
        public long recordBytes() {
            return recordBytes;
        }

        public long records() {
            return records;
        }

        /** Leaf entries, wanted lists, framing of the records, envelopes, acks. */
        public long otherBytes() {
            return bytes - treeBytes - recordBytes;
        }

        /** The counts so far, frozen. */
        public Wire copy() {
            Wire w = new Wire();
            w.messages = messages;
            w.bytes = bytes;
            w.treeBytes = treeBytes;
            w.recordBytes = recordBytes;
            w.records = records;
            return w;
        }

        /** This minus an earlier copy: what crossed in between. */
        public Wire since(Wire earlier) {
            Wire w = new Wire();
            w.messages = messages - earlier.messages;
            w.bytes = bytes - earlier.bytes;
            w.treeBytes = treeBytes - earlier.treeBytes;
            w.recordBytes = recordBytes - earlier.recordBytes;
            w.records = records - earlier.records;
            return w;
        }
    }
}
