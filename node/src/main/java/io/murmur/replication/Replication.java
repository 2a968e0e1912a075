package io.murmur.replication;

import com.google.protobuf.UnsafeByteOperations;
import io.murmur.proto.peer.ForwardOutcome;
import io.murmur.proto.peer.ForwardReply;
import io.murmur.proto.peer.ForwardWrite;
import io.murmur.proto.peer.Read;
import io.murmur.proto.peer.ReadReply;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.proto.peer.Store;
import io.murmur.proto.peer.StoreAck;
import io.murmur.proto.peer.StoreKind;
import io.murmur.replication.Outcomes.ReadResult;
import io.murmur.replication.Outcomes.ReplicaAnswer;
import io.murmur.replication.Outcomes.Status;
import io.murmur.replication.Outcomes.WriteResult;
import io.murmur.ring.Placement;
import io.murmur.ring.RingSnapshot;
import io.murmur.ring.Token;
import io.murmur.runtime.Clock;
import io.murmur.runtime.HintStore;
import io.murmur.runtime.PeerNetwork;
import io.murmur.runtime.Scheduler;
import io.murmur.runtime.Storage;
import io.murmur.runtime.StorageException;
import io.murmur.storage.RecordCodec;
import io.murmur.proto.ClockEntry;
import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The replication core of one node: coordinates clients' reads and writes over the
 * replicas of each key, serves other coordinators as a replica, and keeps and replays
 * hints. No I/O of its own: it acts through {@link Storage}, {@link HintStore},
 * {@link PeerNetwork}, {@link Scheduler} and {@link Clock}, so the same code serves
 * traffic on a real node and runs in the simulator.
 *
 * <p>Design note. Each client request is a small state machine ({@link WriteRequest},
 * {@link ReadRequest}, {@link ForwardRequest}) registered under a request id until its
 * deadline; replicas' answers find it by the id they echo. Which nodes to ask is decided
 * once, before anything is sent: the key's replicas are the first {@code n} nodes of its
 * preference list, and if fewer of them (plus stand-ins, when those count) are live than
 * the quorum asks for, the request is refused as UNAVAILABLE with nothing written. A
 * cluster with fewer than {@code n} nodes keeps one copy per node, and quorums count
 * against the copies that exist.
 *
 * <p>A write is coordinated by one of the key's replicas (any other node forwards it),
 * because the new version's dot is the coordinator's next counter for the key, taken from
 * its own record in one atomic update. The version then goes to every live replica; each
 * down replica's copy goes to a stand-in (the next live node clockwise past the replicas)
 * that keeps it as a hint, or, when there is none, to a hint on the coordinator itself.
 * A replica that has not acknowledged by the deadline gets a hint on the coordinator too,
 * so a write that reached W replicas reaches all of them once their hints replay (unless
 * a hint is refused because its target's hints are full, or expires: anti-entropy's job).
 *
 * <p>A read asks {@code r} live replicas (this node first when it is one), and the other
 * live replicas too if those have not all answered within a short speculative delay; it
 * answers once {@code r} have replied, with their reconciliation (dominated versions
 * dropped, concurrent ones kept as siblings), and keeps listening until all it asked have
 * replied or the deadline passes; then every replica whose record differs from the
 * reconciliation of all replies is sent that reconciliation (read repair, bounded by
 * {@code maxReadRepairsInFlight}).
 *
 * <p>Methods may be called from many threads at once (a real node calls them from its
 * request threads, and the {@code ...WithoutBlocking} ones from its network threads);
 * each request's state is guarded by its own monitor and callbacks run outside it. In
 * the simulator everything runs on one thread, in a seeded order.
 */
public final class Replication {
    private static final String NOT_READY = "this node is (re)joining the cluster and does not know the whole ring "
            + "yet; retry shortly or through another node";
    private final String self;
    private final String selfAddress;
    private final ReplicationSettings settings;
    private final Storage storage;
    private final HintStore hints;
    private final Clock clock;
    private final Scheduler scheduler;
    private final PeerNetwork<ReplicaMessage> network;
    private final Topology topology;
    /** Request ids; they start from the wall clock at start, so a restarted node does not reuse its old ones. */
    private final AtomicLong nextRequestId;
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Repair> repairs = new ConcurrentHashMap<>();
    /** Hint replays in flight: request id → the hint. Touched only by the replay timer and acks. */
    private final ConcurrentHashMap<Long, Replay> replays = new ConcurrentHashMap<>();
    /** The hints of {@link #replays}, to look them up by hint. */
    private final java.util.Set<HintRef> replaying = ConcurrentHashMap.newKeySet();
    private final Stats stats = new Stats();
    private final Tombstones tombstones;
    private volatile boolean running;
    private Scheduler.Cancellable replayTimer;

    public Replication(String self, String selfAddress, ReplicationSettings settings, Storage storage,
                       HintStore hints, Clock clock, Scheduler scheduler, PeerNetwork<ReplicaMessage> network,
                       Topology topology) {
        this.self = Objects.requireNonNull(self, "self");
        this.selfAddress = Objects.requireNonNull(selfAddress, "selfAddress");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.storage = Objects.requireNonNull(storage, "storage");
        this.hints = Objects.requireNonNull(hints, "hints");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.network = Objects.requireNonNull(network, "network");
        this.topology = Objects.requireNonNull(topology, "topology");
        this.nextRequestId = new AtomicLong(Math.max(1, clock.wallMillis()) * 1_000_000L);
        this.tombstones = new Tombstones(settings.tombstoneGraceMillis(), clock, stats.tombstonesPurged);
    }

    /** Starts replaying hints. */
    public void start() {
        running = true;
        scheduleReplay();
    }

    /** Stops the replay timer; requests in flight end at their deadlines or never. */
    public void stop() {
        running = false;
        Scheduler.Cancellable t = replayTimer;
        if (t != null) {
            t.cancel();
        }
    }

    public ReplicationSettings settings() {
        return settings;
    }

    public Stats stats() {
        return stats;
    }

    // ------------------------------------------------------------------ writes

    /**
     * Writes a new version of {@code key} superseding what {@code context} covers, and
     * calls {@code done} once with the outcome (maybe on another thread, maybe before this
     * returns).
     *
     * @param value a value, or {@code null} for a tombstone
     * @param w     acknowledgements to wait for, or 0 for the cluster default
     */
    public void write(byte[] key, VectorClock context, byte[] value, int w, Consumer<WriteResult> done) {
        write(key, context, value, w, done, false, true);
    }

    /**
     * {@link #write}, only if this node's part of it can be done without blocking: its own
     * copy is stored by {@link Storage#tryUpdateDeferred}, and it keeps no hint itself.
     * Returns false, having done nothing, when it cannot; a real node then writes on a
     * request thread instead. Lets a node coordinate hot writes on the network thread that
     * received them: what waits for the disk (the fsync) goes on elsewhere.
     */
    public boolean writeWithoutBlocking(byte[] key, VectorClock context, byte[] value, int w,
                                        Consumer<WriteResult> done) {
        return write(key, context, value, w, done, false, false);
    }

    private boolean write(byte[] key, VectorClock context, byte[] value, int w, Consumer<WriteResult> done,
                          boolean forwarded, boolean mayBlock) {
        if (!topology.ready()) {
            return refuse(done, NOT_READY);
        }
        RingSnapshot ring = topology.ring();
        long token = Token.of(key);
        int n = Math.min(settings.n(), ring.size());
        if (n == 0) {
            return refuse(done, "the ring is empty: no node owns any key yet");
        }
        List<String> replicas = ring.preferenceList(token, n);
        int quorum = Math.min(w > 0 ? w : settings.w(), n);
        if (!replicas.contains(self) && !forwarded) {
            stats.writes.incrementAndGet();
            forward(key, context, value, w, replicas, done);
            return true;
        }
        Placement placement = ring.placement(token, n, id -> !isLive(id));
        List<String> live = new ArrayList<>(n);
        Map<String, String> standIns = new LinkedHashMap<>();
        for (int i = 0; i < placement.healthyCount(); i++) {
            String node = placement.healthy(i);
            String covers = placement.standsInFor(i);
            if (covers == null) {
                live.add(node);
            } else if (!node.equals(self)) {
                standIns.put(node, covers); // (when this node is the stand-in, it keeps the hint itself below)
            }
        }
        boolean selfIsReplica = replicas.contains(self);
        int possible = live.size() + (settings.hintsCountTowardW() ? standIns.size() : 0);
        if (possible < quorum) {
            return refuse(done, "w=" + quorum + " needs " + quorum + " live replicas of this key, " + possible
                    + " are live (replicas " + replicas + ")");
        }
        // Down replicas no stand-in covers: the coordinator keeps their hints itself.
        List<String> down = new ArrayList<>();
        for (String replica : replicas) {
            if (!live.contains(replica) && !standIns.containsValue(replica)) {
                down.add(replica);
            }
        }
        if (!mayBlock && !down.isEmpty()) {
            return false; // keeping a hint is disk work
        }
        Version version;
        try {
            version = writeLocally(key, context, value, mayBlock);
        } catch (StorageException e) {
            stats.writes.incrementAndGet();
            stats.failed.incrementAndGet();
            done.accept(WriteResult.failed(Status.FAILED, 0, "storage error: " + e.getMessage()));
            return true;
        }
        if (version == null) {
            return false; // not without blocking
        }
        stats.writes.incrementAndGet();
        VersionedRecord record = VersionedRecord.of(List.of(version));
        long id = nextRequestId.getAndIncrement();
        // a forwarded write's coordinator that is not (or no longer) a replica keeps a copy, which
        // does not count toward w
        WriteRequest request = new WriteRequest(id, key, record, version, quorum, done);
        for (String node : live) {
            if (!node.equals(self)) {
                request.expect(node, null);
            }
        }
        for (Map.Entry<String, String> e : standIns.entrySet()) {
            request.expect(e.getKey(), e.getValue());
        }
        request.timer = scheduler.schedule(request::deadline, settings.timeoutMillis(), TimeUnit.MILLISECONDS);
        pending.put(id, request);
        for (String target : down) {
            storeHint(target, key, record);
        }
        for (Map.Entry<String, String> e : request.expected.entrySet()) {
            Store.Builder store = Store.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key))
                    .setRecord(RecordCodec.toMessage(record)).setKind(StoreKind.WRITE);
            if (e.getValue() != null) {
                store.setHintFor(e.getValue());
            }
            send(e.getKey(), message(id).setStore(store));
        }
        // this node's copy becomes durable while the others travel; it counts once it is
        storage.syncThen(failure -> {
            if (failure != null) {
                stats.failed.incrementAndGet();
            }
            // a failed sync counts like a replica that failed to store
            request.selfStored(failure == null ? null : "storage error: " + failure.getMessage(), selfIsReplica);
        });
        return true;
    }

    /** Answers a write UNAVAILABLE before anything is written. */
    private boolean refuse(Consumer<WriteResult> done, String why) {
        stats.writes.incrementAndGet();
        stats.unavailable.incrementAndGet();
        done.accept(WriteResult.failed(Status.UNAVAILABLE, 0, why));
        return true;
    }

    /**
     * Makes the new version in this node's store, not yet durable (see {@link Storage#sync}):
     * the coordinator fsyncs it while the copies are on their way, rather than before.
     * Without {@code mayBlock}, returns null, having stored nothing, when that would block.
     */
    private Version writeLocally(byte[] key, VectorClock context, byte[] value, boolean mayBlock) {
        long now = clock.wallMillis();
        Version[] written = new Version[1];
        // an expired tombstone is purged before anything new is merged in (a new write made
        // after a purge elsewhere supersedes an old tombstone still held here either way: its
        // coordinator floors the counter of a write its record holds no trace of, see
        // VersionedRecord); counted only if this update is applied
        Tombstones.Purge purge = tombstones.purge();
        UnaryOperator<VersionedRecord> next = stored -> {
            VersionedRecord record = purge.apply(key, stored);
            Version v = record.nextVersion(self, context, value, now, settings.maxClockEntries());
            written[0] = v;
            return record.add(v);
        };
        if (!updateDeferred(key, next, mayBlock)) {
            return null;
        }
        purge.applied();
        return written[0];
    }

    /**
     * {@link Storage#updateDeferred}, or without {@code mayBlock} its non-blocking try;
     * false when that declined, having stored nothing.
     */
    private boolean updateDeferred(byte[] key, UnaryOperator<VersionedRecord> change, boolean mayBlock) {
        if (mayBlock) {
            storage.updateDeferred(key, change);
            return true;
        }
        return storage.tryUpdateDeferred(key, change) != null;
    }

    private void forward(byte[] key, VectorClock context, byte[] value, int w, List<String> replicas,
                         Consumer<WriteResult> done) {
        String to = null;
        for (String replica : replicas) {
            if (isLive(replica) && topology.addressOf(replica) != null) {
                to = replica;
                break;
            }
        }
        if (to == null) {
            stats.unavailable.incrementAndGet();
            done.accept(WriteResult.failed(Status.UNAVAILABLE, 0, "no replica of this key is live (replicas "
                    + replicas + ")"));
            return;
        }
        stats.forwarded.incrementAndGet();
        long id = nextRequestId.getAndIncrement();
        ForwardRequest request = new ForwardRequest(id, to, done);
        // The replica has its own deadline; leave it time to answer TIMEOUT itself.
        request.timer = scheduler.schedule(request::deadline, settings.timeoutMillis() * 3 / 2 + 100,
                TimeUnit.MILLISECONDS);
        pending.put(id, request);
        ForwardWrite.Builder f = ForwardWrite.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key))
                .setContext(RecordCodec.toMessage(context)).setW(Math.max(0, w));
        if (value == null) {
            f.setTombstone(true);
        } else {
            f.setValue(UnsafeByteOperations.unsafeWrap(value));
        }
        send(to, message(id).setForwardWrite(f));
    }

    // ------------------------------------------------------------------ reads

    /**
     * Reads {@code key} from its replicas and calls {@code done} once with the outcome.
     *
     * @param r       replies to wait for, or 0 for the cluster default
     * @param verbose whether the outcome lists each replica's answer
     */
    public void read(byte[] key, int r, boolean verbose, Consumer<ReadResult> done) {
        read(key, r, verbose, done, true);
    }

    /**
     * {@link #read}, only if it can be done without blocking: when this node's own replica
     * is to be read, its record must be in memory. Returns false, having done nothing, when
     * it is not; a real node then reads on a request thread instead. Lets a node coordinate
     * hot reads on the network thread that received them.
     */
    public boolean readWithoutBlocking(byte[] key, int r, boolean verbose, Consumer<ReadResult> done) {
        return read(key, r, verbose, done, false);
    }

    private boolean read(byte[] key, int r, boolean verbose, Consumer<ReadResult> done, boolean mayBlock) {
        if (!topology.ready()) {
            stats.reads.incrementAndGet();
            stats.unavailable.incrementAndGet();
            done.accept(ReadResult.failed(Status.UNAVAILABLE, 0, NOT_READY));
            return true;
        }
        RingSnapshot ring = topology.ring();
        int n = Math.min(settings.n(), ring.size());
        if (n == 0) {
            stats.reads.incrementAndGet();
            stats.unavailable.incrementAndGet();
            done.accept(ReadResult.failed(Status.UNAVAILABLE, 0, "the ring is empty: no node owns any key yet"));
            return true;
        }
        List<String> replicas = ring.preferenceList(Token.of(key), n);
        int quorum = Math.min(r > 0 ? r : settings.r(), n);
        List<String> live = new ArrayList<>(n);
        for (String replica : replicas) {
            if (isLive(replica)) {
                live.add(replica);
            }
        }
        if (live.size() < quorum) {
            stats.reads.incrementAndGet();
            stats.unavailable.incrementAndGet();
            done.accept(ReadResult.failed(Status.UNAVAILABLE, 0, "r=" + quorum + " needs " + quorum
                    + " live replicas of this key, " + live.size() + " are live (replicas " + replicas + ")"));
            return true;
        }
        // this node's own replica first, read before anything is registered or sent
        VersionedRecord local = null;
        String localError = null;
        if (live.contains(self)) {
            if (mayBlock) {
                try {
                    local = readLocally(key);
                } catch (StorageException e) {
                    localError = "storage error: " + e.getMessage();
                }
            } else {
                try {
                    local = storage.getIfInMemory(key);
                } catch (StorageException e) {
                    return false;
                }
                if (local == null || purgeable(key, local)) {
                    return false;
                }
            }
        }
        stats.reads.incrementAndGet();
        // ask r replicas, this node first when it is one; the others only if an answer is late
        // (a verbose read asks all at once, to show them all)
        List<String> first = new ArrayList<>(live.size());
        if (live.contains(self)) {
            first.add(self);
        }
        for (String node : live) {
            if (first.size() < (verbose ? live.size() : quorum) && !node.equals(self)) {
                first.add(node);
            }
        }
        if (first.size() == 1 && quorum == 1 && local != null && !verbose) {
            // this node's own replica makes the quorum alone: answer now, no request to track
            // (such a read asks no other replica, so it repairs none)
            done.accept(new ReadResult(Status.OK, 1, local, List.of(), ""));
            return true;
        }
        List<String> later = new ArrayList<>(live);
        later.removeAll(first);
        long id = nextRequestId.getAndIncrement();
        ReadRequest request = new ReadRequest(id, key, first, later, quorum, verbose, done);
        long speculateAfter = speculativeReadMillis();
        request.timer = later.isEmpty()
                ? scheduler.schedule(request::deadline, settings.timeoutMillis(), TimeUnit.MILLISECONDS)
                : scheduler.schedule(() -> request.askMore(settings.timeoutMillis() - speculateAfter),
                        speculateAfter, TimeUnit.MILLISECONDS);
        pending.put(id, request);
        if (first.contains(self)) {
            request.answer(self, local, localError);
        }
        sendReads(id, key, first);
        return true;
    }

    private void sendReads(long id, byte[] key, List<String> nodes) {
        Read read = Read.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key)).build();
        for (String node : nodes) {
            if (!node.equals(self)) {
                send(node, message(id).setRead(read));
            }
        }
    }

    /**
     * How long a read waits for the replicas it asked before it asks the others too: a
     * tenth of the deadline, at most 50 ms (a healthy replica on a LAN answers in well under
     * a millisecond, so only a slow or dead one makes a read wait for this).
     */
    private long speculativeReadMillis() {
        return Math.max(1, Math.min(50, settings.timeoutMillis() / 10));
    }

    /**
     * This replica's record of {@code key}. A record whose versions are all tombstones
     * older than the grace period is purged here: by then every replica has had the
     * tombstone (through the write, its hints or repair), so nothing can bring back what
     * it deleted.
     */
    private VersionedRecord readLocally(byte[] key) {
        VersionedRecord record = storage.get(key);
        if (purgeable(key, record)) {
            Tombstones.Purge purge = tombstones.purge();
            record = storage.update(key, current -> purge.apply(key, current));
            purge.applied();
        }
        return record;
    }

    private boolean purgeable(byte[] key, VersionedRecord record) {
        return tombstones.purgeable(key, record);
    }

    /** The tombstone rule this core purges by; anti-entropy merges by it too and supplies its coverage. */
    public Tombstones tombstones() {
        return tombstones;
    }

    // ------------------------------------------------------------------ messages

    /** A message from a peer; never throws for a bad one (it is counted and ignored). */
    public void onMessage(String from, ReplicaMessage message) {
        try {
            switch (message.getBodyCase()) {
                case STORE -> onStore(message);
                case STORE_ACK -> onStoreAck(message);
                case READ -> onRead(message);
                case READ_REPLY -> onReadReply(message);
                case FORWARD_WRITE -> onForwardWrite(message);
                case FORWARD_REPLY -> onForwardReply(message);
                case BODY_NOT_SET -> stats.badMessages.incrementAndGet();
            }
        } catch (IllegalArgumentException e) { // includes CorruptRecordException: a malformed record
            stats.badMessages.incrementAndGet();
        } catch (StorageException e) {
            stats.failed.incrementAndGet();
        }
    }

    private void onStore(ReplicaMessage message) {
        store(message, true);
    }

    /**
     * Stores a peer's copy ({@link ReplicaMessage.BodyCase#STORE}) if that can be done
     * without blocking ({@link Storage#tryUpdateDeferred}; a hint kept for another node
     * never can); returns whether it did, having done nothing when not. Lets a real node
     * store hot writes on the network thread; the acknowledgement follows the fsync.
     */
    public boolean storeWithoutBlocking(ReplicaMessage message) {
        if (message.getBodyCase() != ReplicaMessage.BodyCase.STORE) {
            return false;
        }
        try {
            return store(message, false);
        } catch (IllegalArgumentException e) { // a malformed record
            stats.badMessages.incrementAndGet();
            return true;
        } catch (StorageException e) { // the store closed meanwhile: the node is stopping
            stats.failed.incrementAndGet();
            return true;
        }
    }

    /** Without {@code mayBlock}, returns false, having done nothing, when storing would block. */
    private boolean store(ReplicaMessage message, boolean mayBlock) {
        Store store = message.getStore();
        if (store.getKey().isEmpty() || message.getFromAddress().isEmpty()) {
            stats.badMessages.incrementAndGet();
            return true;
        }
        String target = store.getHintFor();
        boolean hint = !target.isEmpty() && !target.equals(self);
        if (hint && !mayBlock) {
            return false;
        }
        byte[] key = store.getKey().toByteArray();
        VersionedRecord record = RecordCodec.fromMessage(store.getRecord());
        if (hint) {
            StoreAck.Builder ack = StoreAck.newBuilder();
            try {
                if (storeHint(target, key, record)) {
                    ack.setOk(true);
                } else {
                    ack.setOk(false).setError("hints for " + target + " are full");
                }
            } catch (StorageException e) {
                ack.setOk(false).setError("storage error: " + e.getMessage());
            }
            reply(message, ReplicaMessage.newBuilder().setStoreAck(ack));
            return true;
        }
        Tombstones.Purge purge = tombstones.purge();
        UnaryOperator<VersionedRecord> merged = current -> purge.apply(key, current).merge(record);
        try {
            if (!updateDeferred(key, merged, mayBlock)) {
                return false;
            }
            purge.applied();
        } catch (StorageException e) {
            reply(message, ReplicaMessage.newBuilder().setStoreAck(StoreAck.newBuilder().setOk(false)
                    .setError("storage error: " + e.getMessage())));
            return true;
        }
        // acknowledged once durable; this thread goes on meanwhile, and stores that arrive
        // together share the fsync
        storage.syncThen(failure -> {
            StoreAck.Builder ack = StoreAck.newBuilder();
            if (failure != null) {
                ack.setOk(false).setError("storage error: " + failure.getMessage());
            } else {
                ack.setOk(true);
                if (store.getKind() == StoreKind.HINT_REPLAY) {
                    stats.hintsReceived.incrementAndGet();
                } else if (store.getKind() == StoreKind.READ_REPAIR) {
                    stats.repairsReceived.incrementAndGet();
                }
            }
            reply(message, ReplicaMessage.newBuilder().setStoreAck(ack));
        });
        return true;
    }

    private void onStoreAck(ReplicaMessage message) {
        long id = message.getRequestId();
        StoreAck ack = message.getStoreAck();
        Pending p = pending.get(id);
        if (p instanceof WriteRequest write) {
            write.acked(message.getFrom(), ack.getOk());
            return;
        }
        Repair repair = repairs.remove(id);
        if (repair != null) {
            repair.timer.cancel();
            return;
        }
        Replay replay = replays.get(id);
        if (replay != null && replay.target.equals(message.getFrom()) && replays.remove(id, replay)) {
            replaying.remove(new HintRef(replay.target, replay.seq));
            replay.timer.cancel();
            if (ack.getOk()) {
                try {
                    hints.remove(replay.target, replay.seq);
                    stats.hintsReplayed.incrementAndGet();
                } catch (StorageException e) {
                    stats.failed.incrementAndGet();
                }
            }
        }
    }

    /**
     * Whether {@code message} can be handled without touching storage (an answer to a
     * request of this node's: it only advances that request), so a real node may handle it
     * on the network thread that read it instead of handing it to a request thread.
     */
    public boolean handledWithoutStorage(ReplicaMessage message) {
        return switch (message.getBodyCase()) {
            // an acknowledged replay deletes its hint: that is storage work
            case STORE_ACK -> !replays.containsKey(message.getRequestId());
            case READ_REPLY, FORWARD_REPLY, BODY_NOT_SET -> true;
            default -> false;
        };
    }

    /**
     * Answers a peer's read from memory when the record is cached (see
     * {@link Storage#getIfInMemory}); returns whether it did. Lets a real node answer hot
     * reads on the network thread.
     */
    public boolean answerReadFromMemory(ReplicaMessage message) {
        if (message.getBodyCase() != ReplicaMessage.BodyCase.READ || message.getRead().getKey().isEmpty()
                || message.getFromAddress().isEmpty()) {
            return false;
        }
        VersionedRecord record;
        byte[] key = message.getRead().getKey().toByteArray();
        try {
            record = storage.getIfInMemory(key);
        } catch (StorageException e) {
            return false;
        }
        if (record == null || purgeable(key, record)) {
            return false;
        }
        reply(message, ReplicaMessage.newBuilder().setReadReply(ReadReply.newBuilder().setOk(true)
                .setRecord(RecordCodec.toMessage(record))));
        return true;
    }

    private void onRead(ReplicaMessage message) {
        if (message.getRead().getKey().isEmpty() || message.getFromAddress().isEmpty()) {
            stats.badMessages.incrementAndGet();
            return;
        }
        ReadReply.Builder reply = ReadReply.newBuilder();
        try {
            reply.setOk(true).setRecord(RecordCodec.toMessage(readLocally(message.getRead().getKey().toByteArray())));
        } catch (StorageException e) {
            reply.setOk(false).setError("storage error: " + e.getMessage());
        }
        reply(message, ReplicaMessage.newBuilder().setReadReply(reply));
    }

    private void onReadReply(ReplicaMessage message) {
        if (pending.get(message.getRequestId()) instanceof ReadRequest read) {
            ReadReply reply = message.getReadReply();
            if (reply.getOk()) {
                read.answer(message.getFrom(), RecordCodec.fromMessage(reply.getRecord()), null);
            } else {
                read.answer(message.getFrom(), null, "error: " + reply.getError());
            }
        }
    }

    private void onForwardWrite(ReplicaMessage message) {
        ForwardWrite f = message.getForwardWrite();
        if (f.getKey().isEmpty() || message.getFromAddress().isEmpty()) {
            stats.badMessages.incrementAndGet();
            return;
        }
        VectorClock context = RecordCodec.fromMessage(f.getContext());
        byte[] value = f.getTombstone() ? null : f.getValue().toByteArray();
        int w = (int) Math.min(f.getW(), ReplicationSettings.MAX_N);
        write(f.getKey().toByteArray(), context, value, w, result -> {
            ForwardReply.Builder r = ForwardReply.newBuilder().setAcks(result.acks()).setMessage(result.message());
            switch (result.status()) {
                case OK -> r.setOutcome(ForwardOutcome.WRITTEN).setContext(RecordCodec.toMessage(result.context()))
                        .setDot(ClockEntry.newBuilder().setNode(result.dot().node()).setCounter(result.dot().counter()));
                case UNAVAILABLE -> r.setOutcome(ForwardOutcome.UNAVAILABLE);
                case TIMEOUT -> r.setOutcome(ForwardOutcome.TIMEOUT);
                case FAILED -> r.setOutcome(ForwardOutcome.FAILED);
            }
            reply(message, ReplicaMessage.newBuilder().setForwardReply(r));
        }, true, true);
    }

    private void onForwardReply(ReplicaMessage message) {
        if (pending.get(message.getRequestId()) instanceof ForwardRequest f) {
            ForwardReply r = message.getForwardReply();
            WriteResult result = switch (r.getOutcome()) {
                case WRITTEN -> WriteResult.ok(r.getAcks(), new Dot(r.getDot().getNode(), r.getDot().getCounter()),
                        RecordCodec.fromMessage(r.getContext()));
                case UNAVAILABLE -> WriteResult.failed(Status.UNAVAILABLE, r.getAcks(), r.getMessage());
                case TIMEOUT -> WriteResult.failed(Status.TIMEOUT, r.getAcks(), r.getMessage());
                default -> WriteResult.failed(Status.FAILED, r.getAcks(), "replica " + f.to + ": " + r.getMessage());
            };
            f.complete(result);
        }
    }

    // ------------------------------------------------------------------ hints

    /** Keeps {@code record} as a hint for {@code target}; whether it was stored. */
    private boolean storeHint(String target, byte[] key, VersionedRecord record) {
        try {
            if (hints.add(target, key, record, clock.wallMillis(), settings.maxHintBytesPerTarget())) {
                stats.hintsStored.incrementAndGet();
                return true;
            }
            stats.hintsRefused.incrementAndGet();
        } catch (StorageException e) {
            stats.hintsRefused.incrementAndGet();
        }
        return false;
    }

    /** Hints this node holds, by target. */
    public Map<String, HintStore.Pending> hintsPending() {
        return hints.pending();
    }

    private void scheduleReplay() {
        if (running) {
            replayTimer = scheduler.schedule(this::replayHints, settings.hintReplayIntervalMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * One replay round: expires old hints, and sends live targets their oldest hints, up to
     * this round's share of the byte rate. A hint leaves the store only when its target
     * acknowledges it; an unacknowledged one is sent again in a later round.
     */
    void replayHints() {
        if (!running) {
            return;
        }
        try {
            long budget = Math.max(1, settings.hintReplayBytesPerSecond() * settings.hintReplayIntervalMillis() / 1000);
            long now = clock.wallMillis();
            List<String> targets = new ArrayList<>(hints.pending().keySet());
            int live = 0;
            for (String target : targets) {
                if (isLive(target) && topology.addressOf(target) != null) {
                    live++;
                }
            }
            // every live target gets its share of the round's bytes (at least one hint)
            long share = Math.max(1, budget / Math.max(1, live));
            for (String target : targets) {
                try {
                    replayTo(target, share, now);
                } catch (StorageException e) {
                    stats.failed.incrementAndGet(); // a corrupt hint stops its own target's replay only
                }
            }
        } catch (StorageException e) {
            stats.failed.incrementAndGet();
        } finally {
            scheduleReplay();
        }
    }

    private void replayTo(String target, long budget, long now) {
        boolean live = isLive(target) && topology.addressOf(target) != null;
        for (HintStore.Hint hint : hints.oldest(target, 64)) {
            if (now - hint.createdAtMillis() > settings.hintWindowMillis()) {
                hints.remove(target, hint.seq());
                stats.hintsExpired.incrementAndGet();
                continue;
            }
            if (!live || budget <= 0) {
                break;
            }
            if (inFlight(target, hint.seq())) {
                continue;
            }
            budget -= hint.bytes();
            long id = nextRequestId.getAndIncrement();
            Replay replay = new Replay(target, hint.seq());
            HintRef ref = new HintRef(target, hint.seq());
            replay.timer = scheduler.schedule(() -> {
                if (replays.remove(id) != null) {
                    replaying.remove(ref);
                }
            }, settings.timeoutMillis(), TimeUnit.MILLISECONDS);
            replaying.add(ref);
            replays.put(id, replay);
            send(target, message(id).setStore(Store.newBuilder()
                    .setKey(UnsafeByteOperations.unsafeWrap(hint.key()))
                    .setRecord(RecordCodec.toMessage(hint.record()))
                    .setKind(StoreKind.HINT_REPLAY)));
        }
    }

    private boolean inFlight(String target, long seq) {
        return replaying.contains(new HintRef(target, seq));
    }

    /** One hint of one target, to tell which are being replayed. */
    private record HintRef(String target, long seq) {
    }

    // ------------------------------------------------------------------ plumbing

    private boolean isLive(String node) {
        return node.equals(self) || topology.isLive(node);
    }

    private ReplicaMessage.Builder message(long id) {
        return ReplicaMessage.newBuilder().setFrom(self).setFromAddress(selfAddress).setRequestId(id);
    }

    private void send(String node, ReplicaMessage.Builder message) {
        String address = topology.addressOf(node);
        if (address != null) {
            network.send(address, message.build());
        }
    }

    private void reply(ReplicaMessage request, ReplicaMessage.Builder answer) {
        network.send(request.getFromAddress(), answer.setFrom(self).setFromAddress(selfAddress)
                .setRequestId(request.getRequestId()).build());
    }

    private void sendRepair(String node, byte[] key, VersionedRecord record) {
        if (repairs.size() >= settings.maxReadRepairsInFlight()) {
            stats.readRepairsSkipped.incrementAndGet();
            return;
        }
        stats.readRepairs.incrementAndGet();
        if (node.equals(self)) {
            // as a task, not here: this may run on a network thread (the last reply completed the read)
            scheduler.schedule(() -> {
                try {
                    storage.update(key, current -> current.merge(record));
                } catch (StorageException e) {
                    stats.failed.incrementAndGet();
                }
            }, 0, TimeUnit.MILLISECONDS);
            return;
        }
        long id = nextRequestId.getAndIncrement();
        Repair repair = new Repair();
        repair.timer = scheduler.schedule(() -> repairs.remove(id), settings.timeoutMillis(), TimeUnit.MILLISECONDS);
        repairs.put(id, repair);
        send(node, message(id).setStore(Store.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key))
                .setRecord(RecordCodec.toMessage(record)).setKind(StoreKind.READ_REPAIR)));
    }

    /** A request waiting for answers. */
    private abstract static class Pending {
        /** Set before the request is registered; replaced (under the request's monitor) by askMore. */
        volatile Scheduler.Cancellable timer;
    }

    private static final class Repair {
        volatile Scheduler.Cancellable timer;
    }

    private static final class Replay {
        final String target;
        final long seq;
        volatile Scheduler.Cancellable timer;

        Replay(String target, long seq) {
            this.target = target;
            this.seq = seq;
        }
    }

    /**
     * A write: sent to every live replica and to stand-ins for the down ones; succeeds at
     * {@code quorum} acknowledgements (a stand-in's counts only when so configured); at the
     * deadline, replicas that never acknowledged get a hint on this node.
     */
    private final class WriteRequest extends Pending {
        final long id;
        final byte[] key;
        final VersionedRecord record;
        final Version version;
        final int quorum;
        final Consumer<WriteResult> done;
        /** Node → the replica it stands in for, or null when it is one. In send order. */
        final Map<String, String> expected = new LinkedHashMap<>();
        final List<String> acked = new ArrayList<>();
        int countedAcks;
        boolean answered;
        boolean finished;

        WriteRequest(long id, byte[] key, VersionedRecord record, Version version, int quorum,
                     Consumer<WriteResult> done) {
            this.id = id;
            this.key = key;
            this.record = record;
            this.version = version;
            this.quorum = quorum;
            this.done = done;
        }

        void expect(String node, String standsInFor) {
            expected.put(node, standsInFor);
        }

        /**
         * This node's own copy is durable ({@code error} null) or failed to become so. It
         * counts toward the quorum when this node is a replica (a forwarded write's
         * coordinator that is not one only keeps a copy). A failure that leaves too few
         * replicas to make the quorum fails the write at once.
         */
        void selfStored(String error, boolean counts) {
            if (error == null) {
                synchronized (this) {
                    if (finished) {
                        return;
                    }
                    acked.add(self);
                    if (counts) {
                        countedAcks++;
                    }
                }
                check();
                return;
            }
            boolean answer;
            int acks;
            synchronized (this) {
                if (finished || reachableAcks() >= quorum) {
                    return; // the others may still make the quorum
                }
                finished = true;
                answer = !answered;
                answered = true;
                acks = countedAcks;
            }
            timer.cancel();
            pending.remove(id);
            if (answer) {
                done.accept(WriteResult.failed(Status.FAILED, acks, error));
            }
        }

        /** Acknowledgements that count, had and still possible. Called holding this. */
        private int reachableAcks() {
            int reachable = countedAcks;
            for (Map.Entry<String, String> e : expected.entrySet()) {
                if (!acked.contains(e.getKey()) && (e.getValue() == null || settings.hintsCountTowardW())) {
                    reachable++;
                }
            }
            return reachable;
        }

        void acked(String node, boolean ok) {
            synchronized (this) {
                if (finished || !expected.containsKey(node) || acked.contains(node)) {
                    return;
                }
                if (!ok) {
                    return; // it stays unacknowledged: a hint at the deadline covers it
                }
                acked.add(node);
                if (expected.get(node) == null || settings.hintsCountTowardW()) {
                    countedAcks++;
                }
            }
            check();
        }

        /** Answers the client once the quorum is in, and retires the request once every node has acked. */
        void check() {
            boolean answer;
            boolean retire;
            int acks;
            synchronized (this) {
                answer = !answered && countedAcks >= quorum;
                if (answer) {
                    answered = true;
                }
                retire = !finished && acked.size() == expected.size() + 1;
                if (retire) {
                    finished = true;
                }
                acks = countedAcks;
            }
            if (answer) {
                done.accept(WriteResult.ok(acks, version.dot(), version.history()));
            }
            if (retire) {
                timer.cancel();
                pending.remove(id);
            }
        }

        void deadline() {
            boolean answer;
            List<String> missing = new ArrayList<>();
            int acks;
            synchronized (this) {
                if (finished) {
                    return;
                }
                finished = true;
                answer = !answered;
                answered = true;
                acks = countedAcks;
                for (Map.Entry<String, String> e : expected.entrySet()) {
                    if (!acked.contains(e.getKey())) {
                        missing.add(e.getValue() != null ? e.getValue() : e.getKey());
                    }
                }
            }
            pending.remove(id);
            for (String target : missing) {
                storeHint(target, key, record);
            }
            if (answer) {
                stats.timeouts.incrementAndGet();
                done.accept(WriteResult.failed(Status.TIMEOUT, acks, "w=" + quorum + " not reached in "
                        + settings.timeoutMillis() + " ms: " + acks + " replicas acknowledged; the write may be "
                        + "applied on them"));
            }
        }
    }

    /**
     * A read: asks {@code quorum} live replicas and the others when an answer is late or
     * failed, answers at {@code quorum} replies, repairs at the end.
     */
    private final class ReadRequest extends Pending {
        final long id;
        final byte[] key;
        /** Replicas asked so far; grows when the read asks the others too. Guarded by this. */
        final List<String> asked;
        /** Live replicas not asked yet. Guarded by this. */
        final List<String> notAsked;
        final int quorum;
        final boolean verbose;
        final Consumer<ReadResult> done;
        /** Replica → its record, in arrival order; failed replies are absent. */
        final Map<String, VersionedRecord> answers = new LinkedHashMap<>();
        final Map<String, String> errors = new LinkedHashMap<>();
        boolean answered;
        boolean finished;

        ReadRequest(long id, byte[] key, List<String> asked, List<String> notAsked, int quorum, boolean verbose,
                    Consumer<ReadResult> done) {
            this.id = id;
            this.key = key;
            this.asked = new ArrayList<>(asked);
            this.notAsked = new ArrayList<>(notAsked);
            this.quorum = quorum;
            this.verbose = verbose;
            this.done = done;
        }

        void answer(String node, VersionedRecord record, String error) {
            ReadResult result = null;
            boolean complete;
            List<String> more = null;
            synchronized (this) {
                if (finished || !asked.contains(node) || answers.containsKey(node) || errors.containsKey(node)) {
                    return;
                }
                if (record != null) {
                    answers.put(node, record);
                } else {
                    errors.put(node, error);
                }
                complete = answers.size() + errors.size() == asked.size();
                // a verbose read waits for every replica it asked (or the deadline), to show them all
                if (!answered && answers.size() >= quorum && (!verbose || complete)) {
                    answered = true;
                    result = new ReadResult(Status.OK, answers.size(), merged(), answersForClient(), "");
                }
                if (complete && !answered) {
                    if (!notAsked.isEmpty()) {
                        // every replica asked has answered, some with errors: ask the others now
                        more = new ArrayList<>(notAsked);
                        notAsked.clear();
                        asked.addAll(more);
                        complete = false;
                    } else {
                        answered = true;
                        result = new ReadResult(Status.FAILED, answers.size(), VersionedRecord.EMPTY,
                                answersForClient(), "r=" + quorum + " not reached: " + answers.size()
                                + " replicas answered, " + errors.size() + " failed: " + errors);
                    }
                }
                if (complete) {
                    finished = true;
                }
            }
            if (more != null) {
                stats.speculativeReads.incrementAndGet();
                sendReads(id, key, more);
            }
            if (result != null) {
                if (result.status() == Status.FAILED) {
                    stats.failed.incrementAndGet();
                }
                done.accept(result);
            }
            if (complete) {
                timer.cancel();
                pending.remove(id);
                finish();
            }
        }

        /** The replicas asked first were not all quick enough: ask the others too, then wait for the deadline. */
        void askMore(long remainingMillis) {
            List<String> more;
            synchronized (this) {
                if (finished) {
                    return;
                }
                more = new ArrayList<>(notAsked);
                notAsked.clear();
                asked.addAll(more);
                timer = scheduler.schedule(this::deadline, Math.max(1, remainingMillis), TimeUnit.MILLISECONDS);
            }
            if (!more.isEmpty()) {
                stats.speculativeReads.incrementAndGet();
                sendReads(id, key, more);
            }
        }

        void deadline() {
            ReadResult result = null;
            synchronized (this) {
                if (finished) {
                    return;
                }
                finished = true;
                if (!answered) {
                    answered = true;
                    result = answers.size() >= quorum
                            ? new ReadResult(Status.OK, answers.size(), merged(), answersForClient(), "")
                            : new ReadResult(Status.TIMEOUT, answers.size(), VersionedRecord.EMPTY, answersForClient(),
                            "r=" + quorum + " not reached in " + settings.timeoutMillis() + " ms: " + answers.size()
                                    + " replicas answered");
                }
            }
            pending.remove(id);
            if (result != null) {
                if (result.status() == Status.TIMEOUT) {
                    stats.timeouts.incrementAndGet();
                }
                done.accept(result);
            }
            finish();
        }

        /** Read repair: every replica that answered with less than the reconciliation of all answers gets it. */
        private void finish() {
            Map<String, VersionedRecord> all;
            synchronized (this) {
                all = new LinkedHashMap<>(answers);
            }
            if (all.size() < 2) {
                return;
            }
            VersionedRecord merged = VersionedRecord.EMPTY;
            for (VersionedRecord r : all.values()) {
                merged = merged.merge(r);
            }
            for (Map.Entry<String, VersionedRecord> e : all.entrySet()) {
                if (!e.getValue().equals(merged)) {
                    sendRepair(e.getKey(), key, merged);
                }
            }
        }

        private VersionedRecord merged() {
            VersionedRecord merged = VersionedRecord.EMPTY;
            for (VersionedRecord r : answers.values()) {
                merged = merged.merge(r);
            }
            return merged;
        }

        private List<ReplicaAnswer> answersForClient() {
            if (!verbose) {
                return List.of();
            }
            List<ReplicaAnswer> out = new ArrayList<>(asked.size());
            for (String node : asked) {
                VersionedRecord r = answers.get(node);
                if (r != null) {
                    out.add(new ReplicaAnswer(node, "ok", r));
                } else if (errors.containsKey(node)) {
                    out.add(new ReplicaAnswer(node, errors.get(node), VersionedRecord.EMPTY));
                } else {
                    out.add(new ReplicaAnswer(node, "no answer", VersionedRecord.EMPTY));
                }
            }
            return out;
        }
    }

    /** A write passed to a replica, waiting for its outcome. */
    private final class ForwardRequest extends Pending {
        final long id;
        final String to;
        final Consumer<WriteResult> done;
        boolean finished;

        ForwardRequest(long id, String to, Consumer<WriteResult> done) {
            this.id = id;
            this.to = to;
            this.done = done;
        }

        void complete(WriteResult result) {
            synchronized (this) {
                if (finished) {
                    return;
                }
                finished = true;
            }
            timer.cancel();
            pending.remove(id);
            if (result.status() == Status.TIMEOUT) {
                stats.timeouts.incrementAndGet();
            }
            done.accept(result);
        }

        void deadline() {
            synchronized (this) {
                if (finished) {
                    return;
                }
                finished = true;
            }
            pending.remove(id);
            stats.timeouts.incrementAndGet();
            done.accept(WriteResult.failed(Status.TIMEOUT, 0, "forwarded to replica " + to
                    + ", which did not answer in time; the write may be applied"));
        }
    }

    /** What this core has done since it started. */
    public static final class Stats {
        public final AtomicLong reads = new AtomicLong();
        public final AtomicLong writes = new AtomicLong();
        public final AtomicLong forwarded = new AtomicLong();
        public final AtomicLong unavailable = new AtomicLong();
        public final AtomicLong timeouts = new AtomicLong();
        public final AtomicLong failed = new AtomicLong();
        public final AtomicLong hintsStored = new AtomicLong();
        public final AtomicLong hintsRefused = new AtomicLong();
        public final AtomicLong hintsReplayed = new AtomicLong();
        public final AtomicLong hintsReceived = new AtomicLong();
        public final AtomicLong hintsExpired = new AtomicLong();
        public final AtomicLong readRepairs = new AtomicLong();
        public final AtomicLong speculativeReads = new AtomicLong();
        public final AtomicLong readRepairsSkipped = new AtomicLong();
        public final AtomicLong repairsReceived = new AtomicLong();
        public final AtomicLong tombstonesPurged = new AtomicLong();
        public final AtomicLong badMessages = new AtomicLong();
    }
}
