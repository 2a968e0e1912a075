package io.murmur.sim.replication;

import io.murmur.antientropy.AntiEntropy;
import io.murmur.antientropy.AntiEntropySettings;
import io.murmur.antientropy.MerkleTree;
import io.murmur.antientropy.TreeIndex;
import io.murmur.membership.MembershipSettings;
import io.murmur.proto.peer.PeerFrame;
import io.murmur.replication.Outcomes.ReadResult;
import io.murmur.replication.Outcomes.WriteResult;
import io.murmur.replication.Replication;
import io.murmur.replication.ReplicationSettings;
import io.murmur.ring.RingSnapshot;
import io.murmur.ring.TokenRange;
import io.murmur.sim.LinkModel;
import io.murmur.sim.Simulation;
import io.murmur.storage.InMemoryHintStore;
import io.murmur.storage.InMemoryStorage;
import io.murmur.version.VectorClock;
import io.murmur.version.VersionedRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A simulated cluster of {@link ReplicaNode}s, named {@code n1 .. nK}, all joining
 * through {@code n1}, with what scenarios ask of it: run a client's read or write through
 * a node, look at a replica's disk (also while it is down), find a key's replicas, replace
 * a node's disk ({@link #wipe}), and compare the replicas' Merkle trees.
 */
public final class ReplicaCluster {
    /**
     * Anti-entropy as the simulated clusters run it unless told otherwise: a scheduled
     * session every 2 s (virtual), trees of depth 7 (128 leaves a range: small clusters
     * hold few keys), a 2 s request timeout, and clocks taken to agree within 1 s (the
     * simulator's wall clocks agree exactly unless a run skews them).
     */
    public static final AntiEntropySettings ANTI_ENTROPY = simulatorAntiEntropy();

    private final Simulation<PeerFrame> sim;
    private final ReplicationSettings settings;
    private final AntiEntropySettings antiEntropy;
    private final Map<String, ReplicaNode.Disk> disks = new LinkedHashMap<>();
    private final RepairTotals.Counter repairs = new RepairTotals.Counter();

    public ReplicaCluster(long seed, LinkModel link, int nodes, ReplicationSettings settings) {
        this(seed, link, nodes, settings, ANTI_ENTROPY);
    }

    public ReplicaCluster(long seed, LinkModel link, int nodes, ReplicationSettings settings,
                          AntiEntropySettings antiEntropy) {
        this(seed, link, nodes, settings, antiEntropy, MembershipSettings.DEFAULTS, 16);
    }

    public ReplicaCluster(long seed, LinkModel link, int nodes, ReplicationSettings settings,
                          AntiEntropySettings antiEntropy, MembershipSettings membership, int vnodes) {
        this.sim = ReplicaNode.newSimulation(seed, link);
        this.settings = settings;
        this.antiEntropy = antiEntropy;
        List<String> seeds = List.of(idOf(1));
        for (int i = 1; i <= nodes; i++) {
            String id = idOf(i);
            disks.put(id, new ReplicaNode.Disk());
            // the disk is looked up at every start: a wipe swaps it for an empty one
            sim.addNode(id, () -> new ReplicaNode(membership, settings, antiEntropy, seeds, vnodes, disks.get(id),
                    repairs::add));
        }
    }

    private static AntiEntropySettings simulatorAntiEntropy() {
        AntiEntropySettings d = AntiEntropySettings.DEFAULTS;
        return new AntiEntropySettings(7, 2_000, d.rangesPerSession(), d.bytesPerSecond(), 2_000,
                d.maxEntriesPerMessage(), d.maxRecordBytesPerMessage(), d.maxSessionsServed(), 1_000);
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

    public AntiEntropySettings antiEntropySettings() {
        return antiEntropy;
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

    /** The process running on {@code node}; null while it is crashed. */
    public ReplicaNode replicaNode(String node) {
        return sim.process(node);
    }

    /** The anti-entropy core on {@code node}; null while it is crashed. */
    public AntiEntropy antiEntropy(String node) {
        ReplicaNode p = sim.process(node);
        return p == null ? null : p.antiEntropy();
    }

    /** What every repair session that ended so far did, summed over the sessions' initiators, restarts included. */
    public RepairTotals repairTotals() {
        return repairs.snapshot();
    }

    /** What {@code node} holds for {@code key} on its disk, whether it runs or not. */
    public VersionedRecord stored(String node, String key) {
        return disks.get(node).data().get(bytes(key));
    }

    /** {@code node}'s data, on its disk, whether it runs or not. */
    public InMemoryStorage data(String node) {
        return disks.get(node).data();
    }

    public InMemoryHintStore hints(String node) {
        return disks.get(node).hints();
    }

    /** Hints held anywhere in the cluster. */
    public long hintsHeld() {
        long n = 0;
        for (ReplicaNode.Disk d : disks.values()) {
            for (var p : d.hints().pending().values()) {
                n += p.count();
            }
        }
        return n;
    }

    /**
     * A replaced disk: {@code node} stops (if it runs) and starts again at once with no
     * data, no hints and no memory of the ring, so it joins through the seed again. Its
     * identity (id, tokens, a generation past its last) is the same.
     */
    public void wipe(String node) {
        if (sim.state(node) != Simulation.NodeState.CRASHED) {
            sim.crash(node);
        }
        disks.put(node, new ReplicaNode.Disk());
        sim.restart(node);
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

    /** Every range of the full ring, in token order of their ends. */
    public List<TokenRange> ranges() {
        RingSnapshot ring = fullRing();
        List<TokenRange> out = new ArrayList<>();
        for (String id : sim.nodeIds()) {
            out.addAll(ring.rangesOwnedBy(id));
        }
        out.sort(Comparator.comparingLong(TokenRange::end));
        return out;
    }

    /** One range whose replicas' Merkle trees do not agree: each replica's root, or why it has none. */
    public record Divergence(TokenRange range, Map<String, String> roots) {
        @Override
        public String toString() {
            return range + " " + roots;
        }
    }

    /**
     * The ranges whose replicas do not all hold a built tree with the same root (a replica
     * that is down or has not built its tree counts as differing); empty once anti-entropy
     * has converged. Trees are compared as they are, so a write in flight shows up too.
     */
    public List<Divergence> divergences() {
        RingSnapshot ring = fullRing();
        int n = Math.min(settings.n(), ring.size());
        List<Divergence> out = new ArrayList<>();
        for (TokenRange range : ranges()) {
            Map<String, String> roots = new LinkedHashMap<>();
            String first = null;
            boolean differ = false;
            for (String replica : ring.replicasOf(range, n)) {
                AntiEntropy core = sim.state(replica) == Simulation.NodeState.CRASHED ? null : antiEntropy(replica);
                MerkleTree tree = core == null ? null : core.trees().tree(range);
                String root = core == null ? "down" : tree == null || !tree.isBuilt() ? "no tree"
                        : String.format(Locale.ROOT, "%016x", tree.root());
                roots.put(replica, root);
                if (first == null) {
                    first = root;
                }
                differ |= !root.equals(first) || root.equals("down") || root.equals("no tree");
            }
            if (differ) {
                out.add(new Divergence(range, roots));
            }
        }
        return out;
    }

    /**
     * The trees of running nodes that differ from trees built afresh from the same node's
     * data ("node range"): empty while every write reached the trees as it should.
     */
    public List<String> treesUnlikeTheirData() {
        List<String> out = new ArrayList<>();
        for (String id : sim.nodeIds()) {
            AntiEntropy core = sim.state(id) == Simulation.NodeState.CRASHED ? null : antiEntropy(id);
            if (core == null) {
                continue;
            }
            List<TokenRange> built = new ArrayList<>();
            for (TokenRange range : core.trees().ranges()) {
                if (core.trees().tree(range).isBuilt()) {
                    built.add(range);
                }
            }
            TreeIndex fresh = new TreeIndex(core.trees().depth());
            fresh.rebuild(built, data(id));
            for (TokenRange range : built) {
                if (fresh.tree(range).root() != core.trees().tree(range).root()) {
                    out.add(id + " " + range);
                }
            }
        }
        return out;
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
