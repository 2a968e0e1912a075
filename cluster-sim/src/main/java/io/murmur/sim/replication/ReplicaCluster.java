package io.murmur.sim.replication;

import io.murmur.membership.MembershipSettings;
import io.murmur.proto.peer.PeerFrame;
import io.murmur.replication.Outcomes.ReadResult;
import io.murmur.replication.Outcomes.WriteResult;
import io.murmur.replication.Replication;
import io.murmur.replication.ReplicationSettings;
import io.murmur.ring.RingSnapshot;
import io.murmur.sim.LinkModel;
import io.murmur.sim.Simulation;
import io.murmur.storage.InMemoryHintStore;
import io.murmur.storage.InMemoryStorage;
import io.murmur.version.VectorClock;
import io.murmur.version.VersionedRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A simulated cluster of {@link ReplicaNode}s, named {@code n1 .. nK}, all joining
 * through {@code n1}, with what scenarios ask of it: run a client's read or write through
 * a node, look at a replica's disk (also while it is down), and find a key's replicas.
 */
public final class ReplicaCluster {
    private final Simulation<PeerFrame> sim;
    private final ReplicationSettings settings;
    private final Map<String, InMemoryStorage> disks = new LinkedHashMap<>();
    private final Map<String, InMemoryHintStore> hintDisks = new LinkedHashMap<>();

    public ReplicaCluster(long seed, LinkModel link, int nodes, ReplicationSettings settings) {
        this(seed, link, nodes, settings, MembershipSettings.DEFAULTS, 16);
    }

    public ReplicaCluster(long seed, LinkModel link, int nodes, ReplicationSettings settings,
                          MembershipSettings membership, int vnodes) {
        this.sim = ReplicaNode.newSimulation(seed, link);
        this.settings = settings;
        List<String> seeds = List.of(idOf(1));
        for (int i = 1; i <= nodes; i++) {
            String id = idOf(i);
            InMemoryStorage disk = new InMemoryStorage();
            InMemoryHintStore hintDisk = new InMemoryHintStore();
            disks.put(id, disk);
            hintDisks.put(id, hintDisk);
            sim.addNode(id, () -> new ReplicaNode(membership, settings, seeds, vnodes, disk, hintDisk));
        }
    }

    public static String idOf(int i) {
        return "n" + i;
    }

    public Simulation<PeerFrame> simulation() {
        return sim;
    }

    public ReplicationSettings settings() {
        return settings;
    }

    public List<String> nodes() {
        return sim.nodeIds();
    }

    public boolean isUp(String node) {
        return sim.state(node) != Simulation.NodeState.CRASHED;
    }

    /** The replication core on {@code node}; null while it is crashed. */
    public Replication replication(String node) {
        ReplicaNode p = sim.process(node);
        return p == null ? null : p.replication();
    }

    /** What {@code node} holds for {@code key} on its disk, whether it runs or not. */
    public VersionedRecord stored(String node, String key) {
        return disks.get(node).get(bytes(key));
    }

    public InMemoryHintStore hints(String node) {
        return hintDisks.get(node);
    }

    /** Hints held anywhere in the cluster. */
    public long hintsHeld() {
        long n = 0;
        for (InMemoryHintStore h : hintDisks.values()) {
            for (var p : h.pending().values()) {
                n += p.count();
            }
        }
        return n;
    }

    /** The replicas of {@code key}: the first n nodes of its preference list on the full ring. */
    public List<String> replicasOf(String key) {
        RingSnapshot ring = fullRing();
        return ring.preferenceList(bytes(key), Math.min(settings.n(), ring.size()));
    }

    private RingSnapshot fullRing() {
        for (String id : sim.nodeIds()) {
            ReplicaNode p = sim.process(id);
            if (p != null && p.membership().ring().size() == sim.nodeIds().size()) {
                return p.membership().ring();
            }
        }
        throw new IllegalStateException("no running node knows the whole ring yet");
    }

    /** Whether every running node has every node in its ring. */
    public boolean ringComplete() {
        for (String id : sim.nodeIds()) {
            ReplicaNode p = sim.process(id);
            if (p != null && p.membership().ring().size() != sim.nodeIds().size()) {
                return false;
            }
        }
        return true;
    }

    /** A client's write through {@code coordinator}; {@code done} gets the outcome, or nothing if the node is down. */
    public void write(String coordinator, String key, VectorClock context, String value, int w,
                      Consumer<WriteResult> done) {
        Replication r = replication(coordinator);
        if (r != null && sim.state(coordinator) == Simulation.NodeState.UP) {
            r.write(bytes(key), context, value == null ? null : bytes(value), w, done);
        }
    }

    /** A client's read through {@code coordinator}. */
    public void read(String coordinator, String key, int r, Consumer<ReadResult> done) {
        Replication rep = replication(coordinator);
        if (rep != null && sim.state(coordinator) == Simulation.NodeState.UP) {
            rep.read(bytes(key), r, false, done);
        }
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The values of a record's live siblings, as strings, for reports. */
    public static List<String> values(VersionedRecord record) {
        List<String> out = new ArrayList<>();
        record.liveSiblings().forEach(v -> out.add(new String(v.value(), StandardCharsets.UTF_8)));
        return out;
    }

    public static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
    }
}
