package io.murmur.antientropy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.murmur.proto.peer.KeyedRecord;
import io.murmur.proto.peer.RepairAbort;
import io.murmur.proto.peer.RepairAck;
import io.murmur.proto.peer.RepairClose;
import io.murmur.proto.peer.RepairCompare;
import io.murmur.proto.peer.RepairDiffers;
import io.murmur.proto.peer.RepairExchange;
import io.murmur.proto.peer.RepairLeaves;
import io.murmur.proto.peer.RepairMessage;
import io.murmur.proto.peer.RepairMore;
import io.murmur.proto.peer.RepairOpen;
import io.murmur.proto.peer.RepairRange;
import io.murmur.proto.peer.RepairRecords;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.replication.RepairCoverage;
import io.murmur.replication.Tombstones;
import io.murmur.replication.Topology;
import io.murmur.ring.RingSnapshot;
import io.murmur.ring.Token;
import io.murmur.ring.TokenRange;
import io.murmur.runtime.Clock;
import io.murmur.runtime.PeerNetwork;
import io.murmur.runtime.Scheduler;
import io.murmur.runtime.StorageException;
import io.murmur.storage.RecordCodec;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Anti-entropy: this node's repair sessions with the other replicas of its ranges, as a
 * protocol core (no I/O of its own; storage, clock, timers and network are seams).
 *
 * <p>Design note. A session between an initiator and a responder covers a list of ranges
 * both replicate. Both freeze their trees of those ranges when it opens, so the descent
 * compares one consistent pair. The initiator sends the roots; for each range that
 * differs it sends the nodes three levels down, and so on, only under nodes that differ,
 * until it reaches differing leaves. For those it sends the hashes of its (key, version
 * digest) entries; the responder scans the same slices, sends the records the initiator
 * lacks or holds other versions of, and names the entries it lacks itself, whose records
 * the initiator sends back. Merging is reconciliation, so dominated versions change
 * nothing and concurrent ones become siblings on both sides. Traffic is therefore
 * proportional to the differences: a few hashes per differing leaf, the differing
 * records once each way.
 *
 * <p>The initiator sends one request at a time and the responder answers each; a step
 * number drops late and duplicated messages. An initiator that hears nothing for the
 * request timeout aborts; a responder forgets a session idle for twice as long. Either way
 * nothing is half-done that matters: each merged record is whole, and an aborted session
 * only means its ranges are compared again later. The initiator paces its requests so
 * that the session's bytes, both ways, stay under {@code bytesPerSecond}.
 *
 * <p>Scheduling: every interval, the next (peer, up to {@code rangesPerSession} ranges)
 * in a round robin over the other replicas of this node's ranges; an on-demand
 * {@link Job} runs every pair for the ranges asked, back to back. A completed session
 * records, per range and peer, when it started: {@link #coveredUntilMillis} is what the
 * tombstone rule needs.
 *
 * <p>Calls must come from one thread (the node's anti-entropy thread, or the simulator),
 * except {@link #coveredUntilMillis}, {@link #stats} and {@link #job}, which any thread may call.
 */
public final class AntiEntropy implements RepairCoverage {
    /** Levels the descent goes down per round trip: 8 nodes under each differing one. */
    static final int LEVELS_PER_STEP = 3;
    /**
     * Leaves one batch names, however few keys they hold: bounds what the responder scans
     * and queues to send for one request (a wiped replica has no entries anywhere).
     */
    static final int MAX_LEAVES_PER_BATCH = 1024;
    /** Ranges one session may name; more is a malformed request. */
    public static final int MAX_RANGES_PER_SESSION = 4096;

    private final String self;
    private final String selfAddress;
    private final AntiEntropySettings settings;
    private final int n;
    private final TrackedStorage storage;
    private final TreeIndex trees;
    private final Tombstones tombstones;
    private final Clock clock;
    private final Scheduler scheduler;
    private final PeerNetwork<ReplicaMessage> network;
    private final Topology topology;
    private final Stats stats = new Stats();
    /** Per range, per peer: when the last completed session with that peer started (wall ms). */
    private final ConcurrentHashMap<TokenRange, ConcurrentHashMap<String, Long>> repairedWith =
            new ConcurrentHashMap<>();
    private final Map<String, Incoming> incoming = new HashMap<>();
    private long nextSessionId;
    private Outgoing outgoing;
    private int cursor;
    private volatile Job job;
    private boolean running;
    private Scheduler.Cancellable tick;

    public AntiEntropy(String self, String selfAddress, AntiEntropySettings settings, int n, TrackedStorage storage,
                       Tombstones tombstones, Clock clock, Scheduler scheduler, PeerNetwork<ReplicaMessage> network,
                       Topology topology) {
        this.self = Objects.requireNonNull(self, "self");
        this.selfAddress = Objects.requireNonNull(selfAddress, "selfAddress");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.n = n;
        this.storage = Objects.requireNonNull(storage, "storage");
        this.trees = storage.trees();
        if (trees.depth() != settings.depth()) {
            throw new IllegalArgumentException("the trees have depth " + trees.depth() + ", the settings say "
                    + settings.depth());
        }
        this.tombstones = Objects.requireNonNull(tombstones, "tombstones");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.network = Objects.requireNonNull(network, "network");
        this.topology = Objects.requireNonNull(topology, "topology");
        this.nextSessionId = Math.max(1, clock.wallMillis()) * 1_000L;
    }

    // ------------------------------------------------------------------ lifecycle

    /** Builds the trees once the ring is known, then repairs on schedule. */
    public void start() {
        running = true;
        scheduleTick(0);
    }

    /** Stops scheduling; a session in flight is abandoned (the peer forgets it when idle). */
    public void stop() {
        running = false;
        if (tick != null) {
            tick.cancel();
        }
        Outgoing out = outgoing;
        if (out != null) {
            out.cancelTimer();
            outgoing = null;
        }
        for (Incoming in : incoming.values()) {
            in.cancelIdle();
        }
        incoming.clear();
        Job j = job;
        if (j != null && !j.isDone()) {
            j.finish("the node is stopping", clock.nanos());
        }
    }

    public AntiEntropySettings settings() {
        return settings;
    }

    public Stats stats() {
        return stats;
    }

    public TreeIndex trees() {
        return trees;
    }

    /** The on-demand repair running or last run, or null. */
    public Job job() {
        return job;
    }

    private void scheduleTick(long delayMillis) {
        if (!running) {
            return;
        }
        if (tick != null) {
            tick.cancel();
        }
        tick = scheduler.schedule(this::onTick, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void onTick() {
        tick = null;
        if (!running) {
            return;
        }
        if (!topology.ready()) {
            scheduleTick(1_000);
            return;
        }
        ensureTrees();
        if (outgoing != null) {
            return; // its end schedules the next tick
        }
        Job j = job;
        Work next = null;
        if (j != null && !j.isDone()) {
            next = j.next();
            if (next == null) {
                j.finish(null, clock.nanos());
            }
        }
        if (next == null && settings.intervalMillis() > 0) {
            next = nextScheduled();
        }
        if (next != null) {
            open(next);
        } else {
            scheduleTick(settings.intervalMillis() > 0 ? settings.intervalMillis() : 1_000);
        }
    }

    /** The ranges this node replicates on the current ring, or none if it is not on it. */
    private List<TokenRange> replicatedRanges() {
        RingSnapshot ring = topology.ring();
        if (!ring.contains(self)) {
            return List.of();
        }
        return ring.rangesReplicatedBy(self, n);
    }

    /** Brings the trees in line with the ranges this node replicates now. */
    public void ensureTrees() {
        List<TokenRange> ranges = replicatedRanges();
        if (trees.covers(ranges)) {
            return;
        }
        long started = clock.nanos();
        TreeIndex.Rebuild r = trees.rebuild(ranges, storage.delegate());
        stats.treeRebuilds.incrementAndGet();
        stats.rangesRebuilt.addAndGet(r.rangesScanned());
        stats.keysRebuilt.addAndGet(r.keys());
        stats.lastRebuildMillis.set((clock.nanos() - started) / 1_000_000);
    }

    /** One session's worth of work: a peer and ranges both replicate. */
    record Work(String peer, List<TokenRange> ranges) {
    }

    /** Every (peer, chunk of shared ranges) pair for {@code ranges}, peers in id order. */
    private List<Work> workFor(List<TokenRange> ranges) {
        RingSnapshot ring = topology.ring();
        TreeMap<String, List<TokenRange>> byPeer = new TreeMap<>();
        for (TokenRange range : ranges) {
            if (trees.tree(range) == null) {
                continue;
            }
            for (String replica : ring.replicasOf(range, n)) {
                if (!replica.equals(self)) {
                    byPeer.computeIfAbsent(replica, p -> new ArrayList<>()).add(range);
                }
            }
        }
        List<Work> out = new ArrayList<>();
        byPeer.forEach((peer, shared) -> {
            for (int i = 0; i < shared.size(); i += settings.rangesPerSession()) {
                out.add(new Work(peer, List.copyOf(shared.subList(i, Math.min(shared.size(),
                        i + settings.rangesPerSession())))));
            }
        });
        return out;
    }

    private Work nextScheduled() {
        List<Work> all = workFor(trees.ranges());
        for (int tried = 0; tried < all.size(); tried++) {
            Work w = all.get(Math.floorMod(cursor++, all.size()));
            if (topology.isLive(w.peer()) && topology.addressOf(w.peer()) != null) {
                return w;
            }
        }
        return null;
    }

    /**
     * Starts an on-demand repair of this node's ranges that overlap {@code only} (all of
     * them when null) with every other replica of each. Progress and the result are on the
     * returned {@link Job}.
     *
     * @throws IllegalStateException if one is running, or this node does not know the ring yet
     */
    public Job repair(TokenRange only) {
        Job j = job;
        if (j != null && !j.isDone()) {
            throw new IllegalStateException("a repair is already running (" + j.progress() + ")");
        }
        if (!topology.ready()) {
            throw new IllegalStateException("this node does not know the whole ring yet; retry shortly");
        }
        ensureTrees();
        List<TokenRange> ranges = new ArrayList<>();
        for (TokenRange r : trees.ranges()) {
            if (only == null || overlaps(r, only)) {
                ranges.add(r);
            }
        }
        Job created = new Job(workFor(ranges), ranges.size(), clock.nanos());
        job = created;
        if (outgoing == null) {
            scheduleTick(0);
        }
        return created;
    }

    static boolean overlaps(TokenRange a, TokenRange b) {
        return a.isFullRing() || b.isFullRing() || a.contains(b.end()) || b.contains(a.end());
    }

    // ------------------------------------------------------------------ coverage

    @Override
    public long coveredUntilMillis(long token) {
        RingSnapshot ring = topology.ring();
        if (ring.isEmpty()) {
            return 0;
        }
        TokenRange range = ring.rangeOf(token);
        Map<String, Long> done = repairedWith.get(range);
        if (done == null) {
            done = Map.of();
        }
        long covered = Long.MAX_VALUE;
        for (String replica : ring.replicasOf(range, n)) {
            if (!replica.equals(self)) {
                covered = Math.min(covered, done.getOrDefault(replica, 0L));
            }
        }
        return covered;
    }

    private void repaired(TokenRange range, String peer, long startedWallMillis) {
        repairedWith.computeIfAbsent(range, r -> new ConcurrentHashMap<>()).merge(peer, startedWallMillis, Math::max);
    }

    // ------------------------------------------------------------------ messages

    /** A repair message from a peer; a malformed one is counted and answered with an abort, never thrown. */
    public void onMessage(ReplicaMessage message) {
        if (!message.hasRepair()) {
            return;
        }
        RepairMessage m = message.getRepair();
        String from = message.getFrom();
        try {
            switch (m.getBodyCase()) {
                case DIFFERS, EXCHANGE, ACK -> onReply(from, m);
                case ABORT -> {
                    Outgoing out = outgoing;
                    if (out != null && out.peer.equals(from) && out.id == m.getSession()) {
                        onReply(from, m);
                    } else {
                        Incoming in = incoming.remove(from + "/" + m.getSession());
                        if (in != null) {
                            in.cancelIdle();
                        }
                    }
                }
                case OPEN, COMPARE, LEAVES, MORE, RECORDS, CLOSE -> onRequest(message.getFrom(),
                        message.getFromAddress(), m);
                default -> stats.badMessages.incrementAndGet();
            }
        } catch (BadRepairMessage e) {
            stats.badMessages.incrementAndGet();
            Outgoing out = outgoing;
            if (out != null && out.peer.equals(from) && out.id == m.getSession()) {
                fail(out, from + " sent a bad answer: " + e.getMessage());
                return;
            }
            Incoming in = incoming.remove(from + "/" + m.getSession());
            if (in != null) {
                in.cancelIdle();
            }
            network.send(message.getFromAddress(), wrap(RepairMessage.newBuilder().setSession(m.getSession())
                    .setStep(m.getStep()).setAbort(RepairAbort.newBuilder().setReason(e.getMessage()))));
        } catch (StorageException e) {
            stats.storageFailures.incrementAndGet();
            Outgoing out = outgoing;
            if (out != null && out.peer.equals(from) && out.id == m.getSession()) {
                fail(out, "storage failed: " + e.getMessage());
            }
        }
    }

    /** A peer sent something this protocol cannot accept. */
    static final class BadRepairMessage extends RuntimeException {
        BadRepairMessage(String message) {
            super(message, null, false, false);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new BadRepairMessage(what);
        }
    }

    private ReplicaMessage wrap(RepairMessage.Builder body) {
        return ReplicaMessage.newBuilder().setFrom(self).setFromAddress(selfAddress).setRepair(body).build();
    }

    // ------------------------------------------------------------------ initiator

    private enum Phase { OPEN, COMPARE, LEAVES, MORE, RECORDS, CLOSE }

    /** This node's session as initiator. */
    private final class Outgoing {
        final long id;
        final String peer;
        final String address;
        final List<TokenRange> ranges;
        final MerkleTree.Snapshot[] snaps;
        final long startedWall = clock.wallMillis();
        final long startedNanos = clock.nanos();
        final boolean[] unknown;
        final ArrayDeque<long[]> frontier = new ArrayDeque<>();
        final ArrayDeque<long[]> leaves = new ArrayDeque<>();
        List<long[]> sentItems = List.of();
        Map<Long, byte[]> sentEntries = new HashMap<>();
        Map<ByteString, VersionedRecord> pushed = new HashMap<>();
        final ArrayDeque<byte[]> toSend = new ArrayDeque<>();
        Phase phase = Phase.OPEN;
        int step;
        Scheduler.Cancellable timer;
        final SessionResult.Builder result;

        Outgoing(long id, String peer, String address, List<TokenRange> ranges, MerkleTree.Snapshot[] snaps) {
            this.id = id;
            this.peer = peer;
            this.address = address;
            this.ranges = ranges;
            this.snaps = snaps;
            this.unknown = new boolean[ranges.size()];
            this.result = new SessionResult.Builder(peer, ranges.size());
        }

        void cancelTimer() {
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
        }
    }

    private void open(Work work) {
        String address = topology.addressOf(work.peer());
        List<TokenRange> ranges = new ArrayList<>();
        List<MerkleTree.Snapshot> snaps = new ArrayList<>();
        for (TokenRange r : work.ranges()) {
            MerkleTree t = trees.tree(r);
            if (t != null && t.isBuilt()) {
                ranges.add(r);
                snaps.add(t.snapshot());
            }
        }
        boolean live = topology.isLive(work.peer());
        if (address == null || ranges.isEmpty() || !live) {
            Job j = job;
            if (j != null && !j.isDone()) {
                j.record(SessionResult.failed(work.peer(), work.ranges().size(), address == null ? "peer unknown"
                        : !live ? "peer is down" : "no tree for these ranges"));
            }
            scheduleTick(0);
            return;
        }
        Outgoing out = new Outgoing(nextSessionId++, work.peer(), address, ranges,
                snaps.toArray(new MerkleTree.Snapshot[0]));
        outgoing = out;
        stats.sessionsStarted.incrementAndGet();
        RepairOpen.Builder open = RepairOpen.newBuilder().setDepth(trees.depth());
        for (int i = 0; i < ranges.size(); i++) {
            open.addRanges(RepairRange.newBuilder().setStart(ranges.get(i).start()).setEnd(ranges.get(i).end()));
            open.addRoots(out.snaps[i].root());
        }
        send(out, RepairMessage.newBuilder().setOpen(open), Phase.OPEN);
    }

    /** Sends the session's next request once its byte budget allows, and arms the timeout. */
    private void send(Outgoing out, RepairMessage.Builder body, Phase phase) {
        out.phase = phase;
        out.step++;
        ReplicaMessage message = wrap(body.setSession(out.id).setStep(out.step));
        long size = message.getSerializedSize();
        long spentNanos = (out.result.bytesSent + out.result.bytesReceived) * 1_000_000_000L
                / settings.bytesPerSecond();
        long waitNanos = out.startedNanos + spentNanos - clock.nanos();
        out.result.bytesSent += size;
        stats.bytesSent.addAndGet(size);
        Runnable transmit = () -> {
            if (outgoing != out) {
                return;
            }
            network.send(out.address, message);
            out.timer = scheduler.schedule(() -> {
                if (outgoing == out) {
                    fail(out, out.peer + " did not answer within " + settings.requestTimeoutMillis() + " ms");
                }
            }, settings.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
        };
        if (waitNanos > 1_000_000) {
            stats.throttledMillis.addAndGet(waitNanos / 1_000_000);
            out.timer = scheduler.schedule(transmit, waitNanos / 1_000_000, TimeUnit.MILLISECONDS);
        } else {
            transmit.run();
        }
    }

    private void onReply(String from, RepairMessage m) {
        Outgoing out = outgoing;
        if (out == null || !out.peer.equals(from) || out.id != m.getSession() || out.step != m.getStep()) {
            stats.staleMessages.incrementAndGet();
            return; // late, duplicated, or for a session that ended
        }
        out.cancelTimer();
        long size = wrapSize(m);
        out.result.bytesReceived += size;
        stats.bytesReceived.addAndGet(size);
        switch (m.getBodyCase()) {
            case ABORT -> fail(out, from + " aborted: " + m.getAbort().getReason());
            case DIFFERS -> {
                check(out.phase == Phase.OPEN || out.phase == Phase.COMPARE, "differs answers no compare");
                boolean opening = out.phase == Phase.OPEN;
                onDiffers(out, m.getDiffers());
                if (opening && out.result.rangesCompared == 0) {
                    // nothing was compared: not a repair, whatever the peer answered
                    fail(out, from + " keeps no tree for any of these ranges (it is still building its trees, "
                            + "or sees the ring differently)");
                    return;
                }
                advance(out);
            }
            case EXCHANGE -> {
                check(out.phase == Phase.LEAVES || out.phase == Phase.MORE, "exchange answers no leaves");
                onExchange(out, m.getExchange());
            }
            case ACK -> {
                if (out.phase == Phase.RECORDS) {
                    sendRecordsOrAdvance(out);
                } else if (out.phase == Phase.CLOSE) {
                    succeed(out);
                } else {
                    throw new BadRepairMessage("ack answers nothing");
                }
            }
            default -> throw new BadRepairMessage("unexpected " + m.getBodyCase());
        }
    }

    private static long wrapSize(RepairMessage m) {
        return m.getSerializedSize() + 8L; // and its envelope, roughly
    }

    private void onDiffers(Outgoing out, RepairDiffers differs) {
        int depth = trees.depth();
        byte[] bits = differs.getBitmap().toByteArray();
        if (out.phase == Phase.OPEN) {
            for (int unknown : differs.getUnknownList()) {
                check(unknown < out.ranges.size(), "unknown range index out of bounds");
                out.unknown[unknown] = true;
            }
            for (int i = 0; i < out.ranges.size(); i++) {
                if (out.unknown[i]) {
                    out.result.rangesSkipped++;
                    continue;
                }
                out.result.rangesCompared++;
                if (bit(bits, i)) {
                    out.result.rangesDiffering++;
                    descend(out, i, 0, 0, depth);
                }
            }
            return;
        }
        List<long[]> items = out.sentItems;
        for (int i = 0; i < items.size(); i++) {
            if (bit(bits, i)) {
                long[] item = items.get(i);
                if (item[1] == depth) {
                    out.leaves.add(new long[]{item[0], item[2]});
                } else {
                    descend(out, (int) item[0], (int) item[1], item[2], depth);
                }
            }
        }
    }

    /** Queues the nodes {@link #LEVELS_PER_STEP} levels under a differing one (or its leaves). */
    private static void descend(Outgoing out, int range, int level, long index, int depth) {
        int target = Math.min(depth, level + LEVELS_PER_STEP);
        int fan = 1 << (target - level);
        for (int j = 0; j < fan; j++) {
            out.frontier.add(new long[]{range, target, (index << (target - level)) | j});
        }
    }

    private void advance(Outgoing out) {
        if (!out.frontier.isEmpty()) {
            RepairCompare.Builder compare = RepairCompare.newBuilder();
            List<long[]> items = new ArrayList<>();
            while (!out.frontier.isEmpty() && items.size() < settings.maxEntriesPerMessage()) {
                long[] item = out.frontier.poll();
                items.add(item);
                compare.addRange((int) item[0]).addLevel((int) item[1]).addIndex(item[2])
                        .addHash(out.snaps[(int) item[0]].hash((int) item[1], item[2]));
            }
            out.sentItems = items;
            send(out, RepairMessage.newBuilder().setCompare(compare), Phase.COMPARE);
        } else if (!out.leaves.isEmpty()) {
            sendLeaves(out);
        } else {
            send(out, RepairMessage.newBuilder().setClose(RepairClose.getDefaultInstance()), Phase.CLOSE);
        }
    }

    private void sendLeaves(Outgoing out) {
        RepairLeaves.Builder batch = RepairLeaves.newBuilder();
        Map<Long, byte[]> entries = new HashMap<>();
        int leafCount = 0;
        while (!out.leaves.isEmpty() && entries.size() < settings.maxEntriesPerMessage()
                && leafCount++ < MAX_LEAVES_PER_BATCH) {
            long[] leaf = out.leaves.poll();
            int range = (int) leaf[0];
            int index = (int) leaf[1];
            out.result.leavesDiffering++;
            List<Long> mine = new ArrayList<>();
            scanLeaf(out.ranges.get(range), index, (entry, key) -> {
                entries.put(entry, key);
                mine.add(entry);
            });
            batch.addRange(range).addLeaf(index).addCount(mine.size());
            for (long e : mine) {
                batch.addEntries(e);
            }
        }
        out.sentEntries = entries;
        out.pushed = new HashMap<>();
        send(out, RepairMessage.newBuilder().setLeaves(batch), Phase.LEAVES);
    }

    private interface EntryVisitor {
        void visit(long entry, byte[] key);
    }

    /**
     * The entries of one leaf of {@code range} as storage holds them now; a record that
     * may be purged is purged here instead (a repair is when tombstones meet the rule).
     */
    private void scanLeaf(TokenRange range, int leaf, EntryVisitor visitor) {
        MerkleTree tree = trees.tree(range);
        MerkleTree geometry = tree != null ? tree : new MerkleTree(range, trees.depth());
        if (geometry.leafIsEmpty(leaf)) {
            return;
        }
        List<byte[]> purge = new ArrayList<>();
        TreeIndex.scanTokens(geometry.firstToken(leaf), geometry.lastToken(leaf), storage.delegate(),
                (token, key, record) -> {
                    if (tombstones.purgeable(key, record)) {
                        purge.add(key);
                    } else {
                        visitor.visit(Digests.entry(token, key, record), key);
                    }
                    return true;
                });
        for (byte[] key : purge) {
            Tombstones.Purge purged = tombstones.purge();
            VersionedRecord after = storage.update(key, current -> purged.apply(key, current));
            purged.applied();
            if (!after.isEmpty()) {
                visitor.visit(Digests.entry(Token.of(key), key, after), key);
            }
        }
    }

    private void onExchange(Outgoing out, RepairExchange exchange) {
        for (KeyedRecord kr : exchange.getRecordsList()) {
            byte[] key = kr.getKey().toByteArray();
            VersionedRecord record = decode(kr);
            checkInSession(out.ranges, out.unknown, key);
            merge(key, record);
            out.pushed.put(kr.getKey(), record);
            differenceFound(key);
            out.result.keysReceived++;
        }
        if (exchange.getRecordsCount() > 0) {
            storage.sync(); // one fsync for the batch, before anything goes back
        }
        for (long wanted : exchange.getWantedList()) {
            byte[] key = out.sentEntries.get(wanted);
            if (key != null) {
                out.toSend.add(key);
                if (!out.pushed.containsKey(ByteString.copyFrom(key))) {
                    differenceFound(key);
                }
            }
        }
        if (exchange.getMore()) {
            send(out, RepairMessage.newBuilder().setMore(RepairMore.getDefaultInstance()), Phase.MORE);
        } else {
            sendRecordsOrAdvance(out);
        }
    }

    private void sendRecordsOrAdvance(Outgoing out) {
        RepairRecords.Builder records = RepairRecords.newBuilder();
        long bytes = 0;
        while (!out.toSend.isEmpty() && (records.getRecordsCount() == 0
                || bytes < settings.maxRecordBytesPerMessage())) {
            byte[] key = out.toSend.poll();
            VersionedRecord record = storage.get(key);
            VersionedRecord theirs = out.pushed.get(ByteString.copyFrom(key));
            VersionedRecord missing = theirs == null ? record : unknownTo(theirs, record);
            if (missing.isEmpty()) {
                continue; // they sent us this record, or one that holds or supersedes all of ours
            }
            KeyedRecord kr = KeyedRecord.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key))
                    .setRecord(RecordCodec.toMessage(missing)).build();
            bytes += kr.getSerializedSize();
            records.addRecords(kr);
            out.result.keysSent++;
        }
        if (records.getRecordsCount() > 0) {
            send(out, RepairMessage.newBuilder().setRecords(records), Phase.RECORDS);
        } else {
            out.sentEntries = new HashMap<>();
            out.pushed = new HashMap<>();
            advance(out);
        }
    }

    /**
     * The versions of {@code ours} that {@code theirs} neither holds nor supersedes. A peer
     * that sent us {@code theirs} holds it (or what has superseded it since), so merging
     * these into its record gives what merging all of {@code ours} would: after a
     * concurrent write on each side, each version crosses once, not ours with theirs back.
     */
    static VersionedRecord unknownTo(VersionedRecord theirs, VersionedRecord ours) {
        List<Version> missing = new ArrayList<>(ours.siblings().size());
        for (Version v : ours.siblings()) {
            if (theirs.add(v) != theirs) {
                missing.add(v);
            }
        }
        return missing.size() == ours.siblings().size() ? ours : VersionedRecord.of(missing);
    }

    private void succeed(Outgoing out) {
        for (int i = 0; i < out.ranges.size(); i++) {
            if (!out.unknown[i]) {
                repaired(out.ranges.get(i), out.peer, out.startedWall);
            }
        }
        stats.sessionsCompleted.incrementAndGet();
        end(out, out.result.build(true, null, elapsedMillis(out)));
    }

    private void fail(Outgoing out, String reason) {
        out.cancelTimer();
        network.send(out.address, wrap(RepairMessage.newBuilder().setSession(out.id).setStep(out.step)
                .setAbort(RepairAbort.newBuilder().setReason(reason))));
        stats.sessionsFailed.incrementAndGet();
        end(out, out.result.build(false, reason, elapsedMillis(out)));
    }

    private long elapsedMillis(Outgoing out) {
        return (clock.nanos() - out.startedNanos) / 1_000_000;
    }

    private void end(Outgoing out, SessionResult result) {
        if (outgoing != out) {
            return;
        }
        outgoing = null;
        stats.record(result);
        Job j = job;
        if (j != null && !j.isDone()) {
            j.record(result);
            scheduleTick(0);
        } else {
            scheduleTick(settings.intervalMillis() > 0 ? settings.intervalMillis() : 1_000);
        }
        Consumer<SessionResult> l = sessionListener;
        if (l != null) {
            l.accept(result);
        }
    }

    private volatile Consumer<SessionResult> sessionListener;
    private Consumer<byte[]> differenceListener;

    /** Hears each key whose records differ, as sessions this node initiates find them (for tests). */
    void onDifference(Consumer<byte[]> listener) {
        this.differenceListener = listener;
    }

    private void differenceFound(byte[] key) {
        Consumer<byte[]> l = differenceListener;
        if (l != null) {
            l.accept(key);
        }
    }

    /** Hears every session this node initiates end, for tests and experiments. */
    public void onSessionEnd(Consumer<SessionResult> listener) {
        this.sessionListener = listener;
    }

    // ------------------------------------------------------------------ responder

    /** A session another node runs against this one. */
    private final class Incoming {
        final long id;
        final String peer;
        final String address;
        final List<TokenRange> ranges;
        final MerkleTree.Snapshot[] snaps;
        final boolean[] unknown;
        final long startedWall = clock.wallMillis();
        int lastStep;
        ReplicaMessage lastReply;
        final ArrayDeque<byte[]> toPush = new ArrayDeque<>();
        Scheduler.Cancellable idle;

        Incoming(long id, String peer, String address, List<TokenRange> ranges) {
            this.id = id;
            this.peer = peer;
            this.address = address;
            this.ranges = ranges;
            this.snaps = new MerkleTree.Snapshot[ranges.size()];
            this.unknown = new boolean[ranges.size()];
        }

        void cancelIdle() {
            if (idle != null) {
                idle.cancel();
                idle = null;
            }
        }
    }

    private void onRequest(String from, String fromAddress, RepairMessage m) {
        String sessionKey = from + "/" + m.getSession();
        Incoming in = incoming.get(sessionKey);
        if (in != null && m.getStep() <= in.lastStep) {
            if (m.getStep() == in.lastStep && in.lastReply != null) {
                network.send(in.address, in.lastReply); // our answer was lost: again
            }
            return;
        }
        if (m.getBodyCase() == RepairMessage.BodyCase.OPEN) {
            if (in != null) {
                return;
            }
            if (incoming.size() >= settings.maxSessionsServed()) {
                stats.sessionsRefused.incrementAndGet();
                network.send(fromAddress, wrap(RepairMessage.newBuilder().setSession(m.getSession())
                        .setStep(m.getStep()).setAbort(RepairAbort.newBuilder().setReason("busy"))));
                return;
            }
            in = opened(from, fromAddress, m);
            incoming.put(sessionKey, in);
            stats.sessionsServed.incrementAndGet();
        } else if (in == null) {
            network.send(fromAddress, wrap(RepairMessage.newBuilder().setSession(m.getSession()).setStep(m.getStep())
                    .setAbort(RepairAbort.newBuilder().setReason("no such session (it may have idled out)"))));
            return;
        }
        in.lastStep = m.getStep();
        stats.bytesReceived.addAndGet(wrapSize(m));
        RepairMessage.Builder answer = RepairMessage.newBuilder().setSession(m.getSession()).setStep(m.getStep());
        switch (m.getBodyCase()) {
            case OPEN -> answer.setDiffers(openDiffers(in, m.getOpen()));
            case COMPARE -> answer.setDiffers(compare(in, m.getCompare()));
            case LEAVES -> answer.setExchange(exchange(in, m.getLeaves()));
            case MORE -> answer.setExchange(pushMore(in, RepairExchange.newBuilder()));
            case RECORDS -> {
                for (KeyedRecord kr : m.getRecords().getRecordsList()) {
                    byte[] key = kr.getKey().toByteArray();
                    VersionedRecord record = decode(kr);
                    checkInSession(in.ranges, in.unknown, key);
                    merge(key, record);
                    stats.keysReceived.incrementAndGet();
                }
                storage.sync(); // durable before the ack: the peer counts them as ours from then on
                answer.setAck(RepairAck.getDefaultInstance());
            }
            case CLOSE -> {
                for (int i = 0; i < in.ranges.size(); i++) {
                    if (!in.unknown[i]) {
                        repaired(in.ranges.get(i), in.peer, in.startedWall);
                    }
                }
                answer.setAck(RepairAck.getDefaultInstance());
            }
            default -> throw new BadRepairMessage("unexpected " + m.getBodyCase());
        }
        ReplicaMessage reply = wrap(answer);
        in.lastReply = reply;
        stats.bytesSent.addAndGet(reply.getSerializedSize());
        network.send(in.address, reply);
        in.cancelIdle();
        if (m.getBodyCase() == RepairMessage.BodyCase.CLOSE) {
            incoming.remove(sessionKey);
            return;
        }
        Incoming session = in;
        in.idle = scheduler.schedule(() -> {
            if (incoming.remove(sessionKey, session)) {
                stats.sessionsIdledOut.incrementAndGet();
            }
        }, 2 * settings.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    private Incoming opened(String from, String fromAddress, RepairMessage m) {
        RepairOpen open = m.getOpen();
        check(open.getDepth() == trees.depth(), "tree depth " + open.getDepth() + " differs from this node's "
                + trees.depth() + " (set anti_entropy.tree_depth alike on every node)");
        check(open.getRangesCount() <= MAX_RANGES_PER_SESSION, "too many ranges: " + open.getRangesCount());
        check(open.getRootsCount() == open.getRangesCount(), "one root per range expected");
        check(!fromAddress.isEmpty() && !from.isEmpty(), "the sender is not named");
        List<TokenRange> ranges = new ArrayList<>();
        for (RepairRange r : open.getRangesList()) {
            ranges.add(new TokenRange(r.getStart(), r.getEnd()));
        }
        return new Incoming(m.getSession(), from, fromAddress, ranges);
    }

    private RepairDiffers.Builder openDiffers(Incoming in, RepairOpen open) {
        RingSnapshot ring = topology.ring();
        byte[] bits = new byte[(in.ranges.size() + 7) / 8];
        RepairDiffers.Builder differs = RepairDiffers.newBuilder();
        for (int i = 0; i < in.ranges.size(); i++) {
            TokenRange range = in.ranges.get(i);
            MerkleTree t = trees.tree(range);
            if (t == null || !t.isBuilt() || !sharedWith(ring, range, in.peer)) {
                in.unknown[i] = true;
                differs.addUnknown(i);
                continue;
            }
            in.snaps[i] = t.snapshot();
            if (in.snaps[i].root() != open.getRoots(i)) {
                setBit(bits, i);
            }
        }
        return differs.setBitmap(ByteString.copyFrom(bits));
    }

    private boolean sharedWith(RingSnapshot ring, TokenRange range, String peer) {
        try {
            return ring.replicasOf(range, n).contains(peer);
        } catch (IllegalArgumentException e) {
            return false; // the range straddles a token of this node's ring: the rings differ
        }
    }

    private RepairDiffers.Builder compare(Incoming in, RepairCompare compare) {
        int count = compare.getRangeCount();
        check(count <= settings.maxEntriesPerMessage() * 2L, "too many nodes to compare: " + count);
        check(compare.getLevelCount() == count && compare.getIndexCount() == count && compare.getHashCount() == count,
                "compare lists differ in length");
        byte[] bits = new byte[(count + 7) / 8];
        for (int i = 0; i < count; i++) {
            int range = compare.getRange(i);
            check(range >= 0 && range < in.ranges.size() && !in.unknown[range], "no such range in this session");
            int level = compare.getLevel(i);
            long index = compare.getIndex(i);
            check(level >= 0 && level <= trees.depth() && index >= 0 && index < (1L << level), "no such tree node");
            if (in.snaps[range].hash(level, index) != compare.getHash(i)) {
                setBit(bits, i);
            }
        }
        return RepairDiffers.newBuilder().setBitmap(ByteString.copyFrom(bits));
    }

    private RepairExchange.Builder exchange(Incoming in, RepairLeaves leaves) {
        int count = leaves.getRangeCount();
        check(count <= MAX_LEAVES_PER_BATCH, "too many leaves in one batch: " + count);
        check(leaves.getLeafCount() == count && leaves.getCountCount() == count, "leaf lists differ in length");
        long total = 0;
        for (int c : leaves.getCountList()) {
            total += c;
        }
        check(total == leaves.getEntriesCount(), "leaf entry counts do not add up");
        RepairExchange.Builder exchange = RepairExchange.newBuilder();
        int at = 0;
        for (int i = 0; i < count; i++) {
            int range = leaves.getRange(i);
            check(range >= 0 && range < in.ranges.size() && !in.unknown[range], "no such range in this session");
            long leaf = leaves.getLeaf(i);
            check(leaf >= 0 && leaf < (1L << trees.depth()), "no such leaf");
            Set<Long> theirs = new HashSet<>();
            for (int j = 0; j < leaves.getCount(i); j++) {
                theirs.add(leaves.getEntries(at + j));
            }
            at += leaves.getCount(i);
            Set<Long> mine = new HashSet<>();
            scanLeaf(in.ranges.get(range), (int) leaf, (entry, key) -> {
                mine.add(entry);
                if (!theirs.contains(entry)) {
                    in.toPush.add(key);
                }
            });
            for (long e : theirs) {
                if (!mine.contains(e)) {
                    exchange.addWanted(e);
                }
            }
        }
        return pushMore(in, exchange);
    }

    private RepairExchange.Builder pushMore(Incoming in, RepairExchange.Builder exchange) {
        long bytes = 0;
        while (!in.toPush.isEmpty() && (exchange.getRecordsCount() == 0
                || bytes < settings.maxRecordBytesPerMessage())) {
            byte[] key = in.toPush.poll();
            VersionedRecord record = storage.get(key);
            if (record.isEmpty()) {
                continue;
            }
            KeyedRecord kr = KeyedRecord.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key))
                    .setRecord(RecordCodec.toMessage(record)).build();
            bytes += kr.getSerializedSize();
            exchange.addRecords(kr);
            stats.keysSent.incrementAndGet();
        }
        return exchange.setMore(!in.toPush.isEmpty());
    }

    // ------------------------------------------------------------------ shared

    private static VersionedRecord decode(KeyedRecord kr) {
        check(!kr.getKey().isEmpty(), "a record without a key");
        try {
            VersionedRecord r = RecordCodec.fromMessage(kr.getRecord());
            check(!r.isEmpty(), "an empty record");
            return r;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new BadRepairMessage("a malformed record: " + e.getMessage());
        }
    }

    private static void checkInSession(List<TokenRange> ranges, boolean[] unknown, byte[] key) {
        long token = Token.of(key);
        for (int i = 0; i < ranges.size(); i++) {
            if (!unknown[i] && ranges.get(i).contains(token)) {
                return;
            }
        }
        throw new BadRepairMessage("a record for a key outside the session's ranges");
    }

    /**
     * Reconciles a record a peer sent into this replica's, durable at the next
     * {@code storage.sync()}: a batch of records costs one fsync, not one each. Purged
     * before (an old tombstone here must not swallow a newer write) and after (a tombstone
     * the peer still holds but this node may forget is not taken back, only to be purged
     * again).
     */
    private void merge(byte[] key, VersionedRecord incoming) {
        Tombstones.Purge before = tombstones.purge();
        Tombstones.Purge after = tombstones.purge();
        storage.updateDeferred(key, current -> {
            VersionedRecord merged = before.apply(key, current).merge(incoming);
            VersionedRecord kept = after.apply(key, merged);
            return kept.equals(current) ? current : kept;
        });
        before.applied();
        after.applied();
    }

    private static boolean bit(byte[] bits, int i) {
        return i / 8 < bits.length && (bits[i / 8] & (1 << (i % 8))) != 0;
    }

    private static void setBit(byte[] bits, int i) {
        bits[i / 8] |= (byte) (1 << (i % 8));
    }

    // ------------------------------------------------------------------ results

    /** What one session did, as its initiator saw it. */
    public record SessionResult(String peer, boolean ok, String failure, int ranges, int rangesCompared,
                                int rangesSkipped, int rangesDiffering, long leavesDiffering, long keysSent,
                                long keysReceived, long bytesSent, long bytesReceived, long millis) {
        static SessionResult failed(String peer, int ranges, String why) {
            return new SessionResult(peer, false, why, ranges, 0, ranges, 0, 0, 0, 0, 0, 0, 0);
        }

        /** Keys whose records crossed, either way. */
        public long keysExchanged() {
            return keysSent + keysReceived;
        }

        static final class Builder {
            final String peer;
            final int ranges;
            int rangesCompared;
            int rangesSkipped;
            int rangesDiffering;
            long leavesDiffering;
            long keysSent;
            long keysReceived;
            long bytesSent;
            long bytesReceived;

            Builder(String peer, int ranges) {
                this.peer = peer;
                this.ranges = ranges;
            }

            SessionResult build(boolean ok, String failure, long millis) {
                return new SessionResult(peer, ok, failure, ranges, rangesCompared, rangesSkipped, rangesDiffering,
                        leavesDiffering, keysSent, keysReceived, bytesSent, bytesReceived, millis);
            }
        }
    }

    /**
     * An on-demand repair: sessions with every other replica of the chosen ranges, one
     * after another. Its counters are read from any thread.
     */
    public static final class Job {
        private final List<Work> work;
        private final int ranges;
        private final long startedNanos;
        private int next;
        private volatile int sessionsDone;
        private volatile int sessionsFailed;
        private volatile long rangesCompared;
        private volatile long rangesDiffering;
        private volatile long keysSent;
        private volatile long keysReceived;
        private volatile long bytes;
        private volatile boolean done;
        private volatile String failure;
        private volatile String lastFailure;
        private volatile long endedNanos;

        Job(List<Work> work, int ranges, long startedNanos) {
            this.work = work;
            this.ranges = ranges;
            this.startedNanos = startedNanos;
        }

        Work next() {
            return next < work.size() ? work.get(next++) : null;
        }

        void record(SessionResult r) {
            sessionsDone++;
            if (!r.ok()) {
                sessionsFailed++;
                lastFailure = r.peer() + ": " + r.failure();
            }
            rangesCompared += r.rangesCompared();
            rangesDiffering += r.rangesDiffering();
            keysSent += r.keysSent();
            keysReceived += r.keysReceived();
            bytes += r.bytesSent() + r.bytesReceived();
        }

        void finish(String why, long nowNanos) {
            failure = why;
            endedNanos = nowNanos;
            done = true;
        }

        public boolean isDone() {
            return done;
        }

        /** Why the whole job stopped early, or null. */
        public String failure() {
            return failure;
        }

        /** The last session that failed, or null. */
        public String lastSessionFailure() {
            return lastFailure;
        }

        /** This node's ranges the job covers. */
        public int ranges() {
            return ranges;
        }

        public int sessions() {
            return work.size();
        }

        public int sessionsDone() {
            return sessionsDone;
        }

        public int sessionsFailed() {
            return sessionsFailed;
        }

        public long rangesCompared() {
            return rangesCompared;
        }

        public long rangesDiffering() {
            return rangesDiffering;
        }

        public long keysSent() {
            return keysSent;
        }

        public long keysReceived() {
            return keysReceived;
        }

        public long bytes() {
            return bytes;
        }

        public long startedNanos() {
            return startedNanos;
        }

        /** How long the job ran: until it ended, or until {@code nowNanos} (same clock) while it runs. */
        public long elapsedMillis(long nowNanos) {
            return ((done ? endedNanos : nowNanos) - startedNanos) / 1_000_000;
        }

        public String progress() {
            return sessionsDone + "/" + work.size() + " sessions";
        }
    }

    /** Counters since start; any thread may read them. */
    public static final class Stats {
        public final AtomicLong sessionsStarted = new AtomicLong();
        public final AtomicLong sessionsCompleted = new AtomicLong();
        public final AtomicLong sessionsFailed = new AtomicLong();
        public final AtomicLong sessionsServed = new AtomicLong();
        public final AtomicLong sessionsRefused = new AtomicLong();
        public final AtomicLong sessionsIdledOut = new AtomicLong();
        public final AtomicLong rangesCompared = new AtomicLong();
        public final AtomicLong rangesDiffering = new AtomicLong();
        public final AtomicLong leavesDiffering = new AtomicLong();
        public final AtomicLong keysSent = new AtomicLong();
        public final AtomicLong keysReceived = new AtomicLong();
        public final AtomicLong bytesSent = new AtomicLong();
        public final AtomicLong bytesReceived = new AtomicLong();
        public final AtomicLong throttledMillis = new AtomicLong();
        public final AtomicLong treeRebuilds = new AtomicLong();
        public final AtomicLong rangesRebuilt = new AtomicLong();
        public final AtomicLong keysRebuilt = new AtomicLong();
        public final AtomicLong lastRebuildMillis = new AtomicLong();
        public final AtomicLong staleMessages = new AtomicLong();
        public final AtomicLong badMessages = new AtomicLong();
        public final AtomicLong storageFailures = new AtomicLong();

        void record(SessionResult r) {
            rangesCompared.addAndGet(r.rangesCompared());
            rangesDiffering.addAndGet(r.rangesDiffering());
            leavesDiffering.addAndGet(r.leavesDiffering());
            keysSent.addAndGet(r.keysSent());
            keysReceived.addAndGet(r.keysReceived());
        }
    }

    @Override
    public String toString() {
        return "AntiEntropy{" + self + ", " + trees.ranges().size() + " trees}";
    }
}
