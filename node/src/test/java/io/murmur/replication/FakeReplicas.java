package io.murmur.replication;

import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import io.murmur.runtime.Clock;
import io.murmur.runtime.ManualTimers;
import io.murmur.runtime.PeerNetwork;
import io.murmur.runtime.Scheduler;
import io.murmur.runtime.Storage;
import io.murmur.runtime.StorageException;
import io.murmur.version.VersionedRecord;
import io.murmur.storage.InMemoryHintStore;
import io.murmur.storage.InMemoryStorage;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A few replication cores on one hand-cranked clock, with a fixed ring: timers run when
 * the test advances time, messages wait until the test delivers or drops them, and the
 * test says who is down (as membership would) and who is crashed (gets nothing).
 */
final class FakeReplicas implements Clock {
    record Envelope(String from, String to, ReplicaMessage message) {
    }

    private final ManualTimers time = new ManualTimers(1_000_000_000L, 1_767_225_600_000L);
    final Map<String, Replication> cores = new LinkedHashMap<>();
    final Map<String, InMemoryStorage> disks = new LinkedHashMap<>();
    final Map<String, InMemoryHintStore> hints = new LinkedHashMap<>();
    final Set<String> down = new HashSet<>();
    final Set<String> crashed = new HashSet<>();
    final List<Envelope> inFlight = new ArrayList<>();
    /** In order: every send ("send a->b"), and every write and sync of a node's store ("a: sync"). */
    final List<String> events = new ArrayList<>();
    /** Nodes whose store fails to make writes durable ({@link Storage#sync} throws). */
    final Set<String> failingSync = new HashSet<>();
    /** Nodes whose store takes {@link Storage#tryUpdateDeferred}; the others' always declines. */
    final Set<String> updateWithoutBlocking = new HashSet<>();
    /**
     * Nodes whose store runs a non-blocking update's change and then declines it, as a
     * store that finds out only while writing that it would have to wait.
     */
    final Set<String> declineAfterChange = new HashSet<>();
    final RingSnapshot ring;

    FakeReplicas(ReplicationSettings settings, String... ids) {
        List<RingMember> members = new ArrayList<>();
        for (String id : ids) {
            members.add(new RingMember(id, "r1", 16, 1));
        }
        ring = RingSnapshot.of(members);
        for (String id : ids) {
            disks.put(id, new InMemoryStorage());
            hints.put(id, new InMemoryHintStore());
            Scheduler scheduler = time.scheduler(id);
            PeerNetwork<ReplicaMessage> network = (to, message) -> {
                if (!crashed.contains(id)) {
                    events.add("send " + id + "->" + to);
                    inFlight.add(new Envelope(id, to, message));
                }
            };
            Topology topology = new Topology() {
                @Override
                public RingSnapshot ring() {
                    return ring;
                }

                @Override
                public boolean isLive(String nodeId) {
                    return !down.contains(nodeId);
                }

                @Override
                public boolean ready() {
                    return true;
                }

                @Override
                public String addressOf(String nodeId) {
                    return nodeId;
                }
            };
            Replication core = new Replication(id, id, settings, new Journaled(id, disks.get(id)), hints.get(id), this,
                    scheduler, network, topology);
            cores.put(id, core);
            core.start();
        }
    }

    @Override
    public long nanos() {
        return time.nanos();
    }

    @Override
    public long wallMillis() {
        return time.wallMillis();
    }

    /** Moves the wall clock alone (for expiry and grace periods). */
    void skewWall(Duration d) {
        time.skewWall(d);
    }

    Replication core(String id) {
        return cores.get(id);
    }

    List<String> replicasOf(String key, int n) {
        return ring.preferenceList(bytes(key), n);
    }

    /**
     * Delivers every message in flight, and those they cause, as a real node's network
     * thread does: a copy the store takes without blocking is stored right away, anything
     * else goes to {@link Replication#onMessage}.
     */
    void deliverLikeANode() {
        for (int guard = 0; !inFlight.isEmpty(); guard++) {
            if (guard > 1_000_000) {
                throw new IllegalStateException("messages keep causing messages");
            }
            Envelope e = inFlight.remove(0);
            Replication to = cores.get(e.to());
            if (!crashed.contains(e.to()) && !to.storeWithoutBlocking(e.message())) {
                to.onMessage(e.from(), e.message());
            }
        }
    }

    /** Delivers every message in flight, and those they cause. */
    void deliverAll() {
        for (int guard = 0; !inFlight.isEmpty(); guard++) {
            if (guard > 1_000_000) {
                throw new IllegalStateException("messages keep causing messages");
            }
            Envelope e = inFlight.remove(0);
            if (!crashed.contains(e.to())) {
                cores.get(e.to()).onMessage(e.from(), e.message());
            }
        }
    }

    int drop(Predicate<Envelope> which) {
        int before = inFlight.size();
        inFlight.removeIf(which);
        return before - inFlight.size();
    }

    /** Moves time forward, running timers (of nodes not crashed) as they fall due. */
    void advance(Duration d) {
        time.advance(d, crashed::contains);
    }

    /** Advances in steps of 10 ms, delivering after each. */
    void run(Duration d) {
        long end = time.nanos() + d.toNanos();
        while (time.nanos() < end) {
            advance(Duration.ofNanos(Math.min(Duration.ofMillis(10).toNanos(), end - time.nanos())));
            deliverAll();
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A node's store as its core sees it: writes to the disk, noted in {@link #events}. */
    private final class Journaled implements Storage {
        private final String node;
        private final InMemoryStorage disk;

        Journaled(String node, InMemoryStorage disk) {
            this.node = node;
            this.disk = disk;
        }

        @Override
        public VersionedRecord get(byte[] key) {
            return disk.get(key);
        }

        @Override
        public VersionedRecord getIfInMemory(byte[] key) {
            return disk.getIfInMemory(key);
        }

        @Override
        public VersionedRecord update(byte[] key, UnaryOperator<VersionedRecord> change) {
            events.add(node + ": update");
            return disk.update(key, change);
        }

        @Override
        public VersionedRecord updateDeferred(byte[] key, UnaryOperator<VersionedRecord> change) {
            events.add(node + ": deferred update");
            return disk.updateDeferred(key, change);
        }

        @Override
        public VersionedRecord tryUpdateDeferred(byte[] key, UnaryOperator<VersionedRecord> change) {
            if (declineAfterChange.contains(node)) {
                change.apply(disk.get(key));
                return null;
            }
            if (!updateWithoutBlocking.contains(node)) {
                return null;
            }
            events.add(node + ": non-blocking update");
            return disk.tryUpdateDeferred(key, change);
        }

        @Override
        public void sync() {
            events.add(node + ": sync");
            if (failingSync.contains(node)) {
                throw new StorageException("injected: the disk of " + node + " fails to sync");
            }
            disk.sync();
        }

        @Override
        public void scan(long fromToken, long toToken, RecordVisitor visitor) {
            disk.scan(fromToken, toToken, visitor);
        }

        @Override
        public void close() {
            disk.close();
        }
    }
}
