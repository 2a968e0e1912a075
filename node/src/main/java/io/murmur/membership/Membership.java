package io.murmur.membership;

import io.murmur.proto.peer.Digest;
import io.murmur.proto.peer.GossipAck;
import io.murmur.proto.peer.GossipAck2;
import io.murmur.proto.peer.GossipMessage;
import io.murmur.proto.peer.GossipSyn;
import io.murmur.proto.peer.MemberState;
import io.murmur.proto.peer.MemberStatus;
import io.murmur.proto.peer.MembersPage;
import io.murmur.proto.peer.MembersRequest;
import io.murmur.proto.peer.Ping;
import io.murmur.proto.peer.PingAck;
import io.murmur.proto.peer.Rumor;
import io.murmur.proto.peer.Suspicion;
import io.murmur.ring.Murmur3;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import io.murmur.runtime.Clock;
import io.murmur.runtime.PeerNetwork;
import io.murmur.runtime.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The membership protocol core of one node: who is in the cluster, in what state, and
 * who is alive. No I/O of its own; it talks through the {@link PeerNetwork}, keeps time
 * with the {@link Clock} and {@link Scheduler} it is given and draws from a seeded
 * generator, so the same code runs on a real node and in the simulator.
 *
 * <h2>What each round does</h2>
 * Every {@link MembershipSettings#interval() interval} a node
 * <ol>
 *   <li>bumps its heartbeat;</li>
 *   <li>pings each node it <em>watches</em> — the {@link MembershipSettings#monitors()}
 *       members after it in a hash order of all members, so every node is watched by the
 *       same few others and probing costs each node the same whatever the cluster's size.
 *       Each answer feeds a {@link PhiAccrualDetector}; a ping still unanswered half a round
 *       later is retried through {@link MembershipSettings#indirectProbes()} helpers, so
 *       one lossy path does not look like a dead node;</li>
 *   <li>does a push-pull exchange with one random live peer: a bounded sample of digests
 *       goes out, the peer answers with the states it knows newer, the ones it wants, and
 *       its own sample; a third message closes it. When the peer's sample names members
 *       this node has never heard of, it asks the peer for them with a further exchange
 *       (a few a round at most), so a new node learns a large cluster within rounds. Now and then it also gossips with a
 *       seed, and probes a DOWN node.</li>
 * </ol>
 *
 * <h2>Joining</h2>
 * A node started with seeds is JOINING while it reads one seed's whole member list, page
 * by page in node id order ({@link MembershipSettings#maxStates()} states a page, the next
 * asked for as soon as one arrives, a lost page asked again of another seed or member a
 * round later), and NORMAL once it has read the last page: from its first moment as a
 * member its ring holds every member its seed knew, however large the cluster.
 *
 * <h2>News</h2>
 * A change of a member's state (a join, a status or vnode change, a new generation, a
 * refuted suspicion) and a new suspicion are <em>news</em>: whoever learns one passes it
 * at once to {@link MembershipSettings#fanout()} random peers, and it rides along on
 * every gossip message for {@link MembershipSettings#newsRounds()} rounds. So news
 * reaches every node in a few network hops, and the bounded digest exchange repairs
 * whatever the rumours missed.
 *
 * <h2>Suspicion</h2>
 * A watcher whose detector's phi for a node crosses the threshold issues a suspicion
 * naming the highest heartbeat it knows of that node. Every node holding the suspicion
 * marks the node SUSPECT and, unless it learns of a higher heartbeat within
 * {@link MembershipSettings#suspicionTimeout()}, DOWN. The suspected node refutes by
 * raising its heartbeat past the suspicion's and spreading it as news; a node that
 * already knows a higher heartbeat tells the reporter instead of spreading a stale
 * suspicion. Every node that comes to hold a suspicion also pings the suspect with the
 * suspicion attached, at once and then every quarter until its deadline: a live suspect
 * refutes and answers with its raised heartbeat, so a refutation does not depend on
 * rumours alone outrunning the suspicion on a lossy network. A DOWN node stays in the ring, keeps being pinged by its watchers, and is
 * ALIVE again as soon as anyone hears a heartbeat from it past the one it was condemned at.
 *
 * <h2>A slow observer</h2>
 * Timers run every quarter interval. When this node sees that its own timers or messages
 * ran later than {@link MembershipSettings#localPauseThreshold()} allows, it was stalled
 * (paused, swapped, overloaded) and the silence it noticed is its own: it shifts every
 * detector and suspicion deadline by the stall instead of condemning its peers.
 *
 * <p>Not thread-safe: every call must come from the node's membership thread (the
 * scheduler's and the network handler's), as the real node and the simulator both do.
 */
public final class Membership implements PeerNetwork.Handler<GossipMessage> {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    private static final int QUARTERS = 4;
    /**
     * How far past a suspicion's heartbeat a heartbeat heard second-hand must be to refute
     * it. A node may have heard the suspect's last heartbeat or two before it died from
     * someone other than its watchers; only a heartbeat the suspect raised on purpose, or
     * one a watcher heard directly, clears it.
     */
    static final long REFUTE_MARGIN = 2;
    /** Rounds between two warnings that this node is still looking for its seeds. */
    private static final int JOIN_WARNING_ROUNDS = 30;
    /**
     * How many extra exchanges a node may start in one round to pull members it has never
     * heard of (see pullUnknown): enough for a new node to learn a cluster of
     * thousands within a few rounds, bounded so that it costs nothing once views are full.
     */
    static final int PULLS_PER_ROUND = 8;


    /**
     * Who this node is, as it announces itself.
     *
     * @param rejoining the node was a member before this start (it restarts with its data): it
     *                  announces NORMAL at once, keeping its place in the ring, takes the members it
     *                  remembers (see {@link Membership#remember}) as its ring, and reads a seed's
     *                  member list as a joining node does, only without leaving the ring meanwhile
     */
    public record Identity(String nodeId, String clientAddress, String peerAddress, String rack, int vnodes,
                           int weight, long generation, boolean rejoining) {
        public Identity {
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(peerAddress, "peerAddress");
            new RingMember(nodeId, rack, vnodes, weight); // validates
            if (generation < 1) {
                throw new IllegalArgumentException("generation must be positive, got " + generation);
            }
        }

        /** A node starting for the first time. */
        public Identity(String nodeId, String clientAddress, String peerAddress, String rack, int vnodes,
                        int weight, long generation) {
            this(nodeId, clientAddress, peerAddress, rack, vnodes, weight, generation, false);
        }
    }

    /** Called on the membership thread when what other layers care about changes. */
    public interface Listener {
        /** The ring changed: a member joined, left, or changed its vnodes, weight or rack. */
        default void ringChanged(RingSnapshot ring) {
        }

        /** This node's verdict about {@code nodeId} changed. */
        default void livenessChanged(String nodeId, Liveness liveness) {
        }
    }

    /** Counts of what this node did, for tests, experiments and metrics. */
    public static final class Stats {
        public long rounds;
        public long suspicionsRaised;
        public long refutations;
        public long markedDown;
        public long cameBack;
        public long stalls;
        public long stalledNanos;
        public long rejectedMessages;
        /** Extra exchanges started to pull members this node had never heard of. */
        public long pulls;
        /** Pings sent to suspects with their suspicion attached. */
        public long suspectsAsked;
    }

    /** What this node knows of one other member. */
    private static final class Member {
        MemberState state;
        Liveness liveness = Liveness.ALIVE;
        long orderKey;
        // watching
        PhiAccrualDetector detector;
        long lastPingSeq;
        long lastAckedSeq;
        // suspicion
        Suspicion suspicion;
        long suspicionDeadline;
        long askedAt;
        long condemnedHeartbeat;
        long downSince;
        long leftSince;
        long newsUntilRound = -1;
        int index;
        boolean forgotten;

        Member(MemberState state) {
            this.state = state;
        }

        String id() {
            return state.getNodeId();
        }

        boolean left() {
            return state.getStatus() == MemberStatus.LEFT;
        }

        boolean reachable() {
            return !left() && liveness != Liveness.DOWN;
        }
    }

    private final MembershipSettings settings;
    private final Clock clock;
    private final Scheduler scheduler;
    private final PeerNetwork<GossipMessage> network;
    private final RandomGenerator random;
    private final List<String> seeds;
    private final Listener listener;
    private final long quarterNanos;
    private final boolean publishRings;

    private MemberState self;
    private long selfNewsUntilRound;
    private final Map<String, Member> members = new HashMap<>();
    /** The same members in node id order, for the pages a joining node reads. */
    private final TreeMap<String, Member> byId = new TreeMap<>();
    /** Where a join's read of a peer's member list has got to; null when no read is under way. */
    private String sweepAfter;
    /** The node restarted as a member: NORMAL from the start, yet not settled until its sweep. */
    private final boolean rejoining;
    /** Whether this node has read a peer's whole member list since it started (or needs none). */
    private boolean settled;
    /** While {@link #remember} applies old states, which are not news. */
    private boolean remembering;
    private long sweepAskedRound;
    private final List<Member> list = new ArrayList<>();
    private final TreeMap<Long, Member> watchOrder = new TreeMap<>();
    private final long selfOrderKey;
    private List<Member> watched = List.of();
    private boolean watchDirty = true;
    private final Map<String, long[]> forgotten = new HashMap<>(); // id -> {generation, expiry}
    private final ArrayDeque<Member> hot = new ArrayDeque<>();
    /** Members this node holds SUSPECT, and those it holds DOWN (not LEFT): short lists, walked often. */
    private final List<Member> suspects = new ArrayList<>();
    private final List<Member> down = new ArrayList<>();

    private final List<MemberState> freshStates = new ArrayList<>();
    private final List<Suspicion> freshSuspicions = new ArrayList<>();

    private int[] sample = new int[0];
    private boolean sampleDirty;
    private int leftCount;
    private long round;
    private long quarter;
    private long lastActivity;
    private long pingSeq;
    private int pullsThisRound;
    private boolean started;
    private boolean stopped;
    private boolean ringDirty = true;
    private RingSnapshot ring;
    private RingSnapshot published;
    private long ringEpoch;
    private final Stats stats = new Stats();

    /**
     * @param seeds peer addresses to join through and to gossip with now and then; this
     *              node's own address among them is ignored
     */
    public Membership(MembershipSettings settings, Identity identity, List<String> seeds, Clock clock,
                      Scheduler scheduler, PeerNetwork<GossipMessage> network, RandomGenerator random,
                      Listener listener) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.network = Objects.requireNonNull(network, "network");
        this.random = Objects.requireNonNull(random, "random");
        this.listener = listener == null ? new Listener() { } : listener;
        this.publishRings = listener != null;
        this.seeds = seeds.stream().filter(s -> !s.equals(identity.peerAddress())).distinct().toList();
        this.quarterNanos = settings.interval().toNanos() / QUARTERS;
        this.self = MemberState.newBuilder()
                .setNodeId(identity.nodeId())
                .setGeneration(identity.generation())
                .setVersion(1)
                .setHeartbeat(0)
                .setStatus(this.seeds.isEmpty() || identity.rejoining() ? MemberStatus.NORMAL : MemberStatus.JOINING)
                .setClientAddress(nullToEmpty(identity.clientAddress()))
                .setPeerAddress(identity.peerAddress())
                .setRack(identity.rack())
                .setVnodes(identity.vnodes())
                .setWeight(identity.weight())
                .build();
        this.selfOrderKey = orderKey(identity.nodeId());
        this.rejoining = identity.rejoining();
        this.settled = this.seeds.isEmpty();
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Before {@link #start}: the ring members this node knew when it last ran (see
     * {@link #ringStates}), kept with its data. A restarting node takes them as its ring at
     * once, so it places data by the whole ring from its first request, even when no peer
     * has answered it yet; gossip brings what changed meanwhile.
     */
    public void remember(List<MemberState> states) {
        if (started) {
            throw new IllegalStateException("remember() must come before start()");
        }
        long now = clock.nanos();
        remembering = true;
        try {
            for (MemberState state : states) {
                try {
                    apply(state, now);
                } catch (IllegalArgumentException e) {
                    log.warn("{}: ignoring a remembered member state that is not valid: {}", self.getNodeId(),
                            e.getMessage());
                }
            }
        } finally {
            remembering = false;
        }
        if (rejoining && !states.isEmpty()) {
            settled = true;
        }
    }

    /** The states of the other members in the ring now: what a node keeps for {@link #remember}. */
    public List<MemberState> ringStates() {
        List<MemberState> out = new ArrayList<>();
        for (Member m : list) {
            if (inRing(m.state)) {
                out.add(m.state);
            }
        }
        return out;
    }

    /** Starts the rounds: the first one at once, then every interval. */
    public void start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        lastActivity = clock.nanos();
        selfNewsUntilRound = settings.newsRounds();
        if (!seeds.isEmpty() && (self.getStatus() == MemberStatus.JOINING || rejoining)) {
            sweepAfter = "";
            askForMembers(seeds.get(random.nextInt(seeds.size())));
        }
        // spread the nodes' rounds over the interval, so that they do not all fire at once
        quarter = random.nextInt(QUARTERS) - 1;
        onQuarter();
    }

    /**
     * Announces that this node leaves: LEAVING at once, LEFT two rounds later, and
     * {@code done} one round after that, once the news had time to spread. Rounds stop then.
     */
    public void leave(Runnable done) {
        if (self.getStatus() == MemberStatus.LEAVING || self.getStatus() == MemberStatus.LEFT) {
            return;
        }
        changeSelf(self.toBuilder().setStatus(MemberStatus.LEAVING));
        flushNews(null);
        publishRing();
        long interval = settings.interval().toNanos();
        scheduler.schedule(() -> {
            changeSelf(self.toBuilder().setStatus(MemberStatus.LEFT));
            flushNews(null);
            publishRing();
            scheduler.schedule(() -> {
                stopped = true;
                done.run();
            }, interval, TimeUnit.NANOSECONDS);
        }, 2 * interval, TimeUnit.NANOSECONDS);
    }

    /** Stops the rounds without telling anyone, as a crash would. */
    public void stop() {
        stopped = true;
    }

    /** Announces a new vnode count for this node. */
    public void setVnodes(int vnodes) {
        if (vnodes != self.getVnodes()) {
            new RingMember(self.getNodeId(), self.getRack(), vnodes, self.getWeight()); // validates
            changeSelf(self.toBuilder().setVnodes(vnodes));
            flushNews(null);
            publishRing();
        }
    }

    /** Updates the load figures this node announces; they travel with the next change or exchange. */
    public void setLoad(long loadBytes, long keyEstimate) {
        if (loadBytes != self.getLoadBytes() || keyEstimate != self.getKeyEstimate()) {
            self = self.toBuilder().setLoadBytes(loadBytes).setKeyEstimate(keyEstimate)
                    .setVersion(self.getVersion() + 1).build();
        }
    }

    private void changeSelf(MemberState.Builder changed) {
        self = changed.setVersion(self.getVersion() + 1).setHeartbeat(self.getHeartbeat() + 1).build();
        selfNewsUntilRound = round + settings.newsRounds();
        freshStates.add(self);
        ringDirty = true;
    }

    // ------------------------------------------------------------------ timers

    private void onQuarter() {
        if (stopped) {
            return;
        }
        long now = clock.nanos();
        noticeStall(now);
        quarter++;
        int phase = (int) Math.floorMod(quarter, QUARTERS);
        if (phase == 0) {
            round(now);
        } else if (phase == 2) {
            indirectProbes();
        }
        judge(now);
        flushNews(null);
        publishRing();
        scheduler.schedule(this::onQuarter, quarterNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * A gap between two events on this node longer than a quarter plus the threshold means
     * this node was not running: the silence it observed is its own doing.
     */
    private void noticeStall(long now) {
        long gap = now - lastActivity;
        lastActivity = now;
        long stall = gap - quarterNanos;
        if (stall <= settings.localPauseThreshold().toNanos()) {
            return;
        }
        stats.stalls++;
        stats.stalledNanos += stall;
        for (Member m : watched) {
            if (m.detector != null) {
                m.detector.discount(stall);
            }
        }
        for (Member m : suspects) {
            m.suspicionDeadline += stall;
        }
        log.debug("{}: stalled for {} ms; discounting it from failure detection", self.getNodeId(),
                stall / 1_000_000);
    }

    private void round(long now) {
        round++;
        stats.rounds++;
        if (self.getStatus() == MemberStatus.JOINING && round % JOIN_WARNING_ROUNDS == 0) {
            log.warn("{}: still joining after {} rounds: no seed has answered yet (seeds: {})", self.getNodeId(),
                    round, seeds);
        }
        pullsThisRound = 0;
        if (sweepAfter != null && round - sweepAskedRound > 1) {
            // no page for a round: ask again, of another seed or member, from where it stopped
            Member peer = randomReachable();
            if (peer != null && (seeds.isEmpty() || random.nextBoolean())) {
                askForMembers(peer.state.getPeerAddress());
            } else if (!seeds.isEmpty()) {
                askForMembers(seeds.get(random.nextInt(seeds.size())));
            }
        }
        self = self.toBuilder().setHeartbeat(self.getHeartbeat() + 1).build();
        if (watchDirty) {
            rebuildWatched(now);
        }
        for (Member m : watched) {
            ping(m);
        }
        gossip();
        housekeeping(now);
    }

    private void ping(Member m) {
        long seq = ++pingSeq;
        m.lastPingSeq = seq;
        send(m.state.getPeerAddress(), message().setPing(Ping.newBuilder().setSeq(seq)
                .setTarget(m.id()).setReplyTo(self.getNodeId()).setReplyToAddress(self.getPeerAddress())));
    }

    /** Half a round after the pings: ask helpers to ping the watched nodes that did not answer. */
    private void indirectProbes() {
        if (settings.indirectProbes() == 0) {
            return;
        }
        for (Member m : watched) {
            if (m.lastAckedSeq >= m.lastPingSeq || m.left()) {
                continue;
            }
            Ping ping = Ping.newBuilder().setSeq(m.lastPingSeq).setTarget(m.id())
                    .setReplyTo(self.getNodeId()).setReplyToAddress(self.getPeerAddress()).build();
            for (int i = 0; i < settings.indirectProbes(); i++) {
                Member helper = randomReachable();
                if (helper != null && helper != m) {
                    send(helper.state.getPeerAddress(), message().setPing(ping));
                }
            }
        }
    }

    private void gossip() {
        Member peer = randomReachable();
        if (peer != null) {
            sendSyn(peer.state.getPeerAddress());
        }
        if (!seeds.isEmpty() && (peer == null || random.nextDouble() < settings.seedGossipChance())) {
            sendSyn(seeds.get(random.nextInt(seeds.size())));
        }
        if (!down.isEmpty() && random.nextDouble() < (double) down.size() / (list.size() - down.size() + 1)) {
            Member probe = down.get(random.nextInt(down.size()));
            if (!probe.left()) {
                sendSyn(probe.state.getPeerAddress());
            }
        }
    }

    /** Phi checks and suspicion deadlines, every quarter. */
    private void judge(long now) {
        for (Member m : watched) {
            if (m.liveness == Liveness.ALIVE && !m.left() && m.detector != null
                    && m.detector.phi(now) > settings.phiThreshold()) {
                Suspicion s = Suspicion.newBuilder().setNodeId(m.id()).setGeneration(m.state.getGeneration())
                        .setHeartbeat(m.state.getHeartbeat()).setReporter(self.getNodeId()).build();
                stats.suspicionsRaised++;
                suspect(m, s, now); // which also tells the suspect itself, so that it can refute at once
            }
        }
        for (int i = suspects.size() - 1; i >= 0; i--) {
            Member m = suspects.get(i);
            if (now < m.suspicionDeadline && now - m.askedAt >= quarterNanos / 2) {
                askSuspect(m, now);
            }
            if (now >= m.suspicionDeadline) {
                setLiveness(m, Liveness.DOWN);
                m.condemnedHeartbeat = m.suspicion.getHeartbeat();
                m.downSince = now;
                stats.markedDown++;
                log.info("{}: {} is DOWN (no heartbeat past {} within the suspicion timeout)",
                        self.getNodeId(), m.id(), m.condemnedHeartbeat);
                listener.livenessChanged(m.id(), Liveness.DOWN);
            }
        }
    }

    private void housekeeping(long now) {
        long leftAfter = settings.removeLeftAfter().toNanos();
        long downAfter = settings.removeDownAfter().toNanos();
        List<Member> remove = null;
        for (Member m : lingering()) {
            boolean expired = m.left() ? now - m.leftSince > leftAfter
                    : m.liveness == Liveness.DOWN && now - m.downSince > downAfter;
            if (expired) {
                if (remove == null) {
                    remove = new ArrayList<>();
                }
                remove.add(m);
            }
        }
        if (remove != null) {
            for (Member m : remove) {
                log.info("{}: forgetting {} ({} for too long)", self.getNodeId(), m.id(),
                        m.left() ? "LEFT" : "DOWN");
                forget(m, now + Math.max(leftAfter, downAfter));
            }
        }
        forgotten.values().removeIf(f -> f[1] <= now);
        while (!hot.isEmpty() && (hot.peekFirst().newsUntilRound < round || hot.peekFirst().forgotten)) {
            hot.pollFirst();
        }
    }

    /** Members that may be due for removal: DOWN ones, and those that left (checked every round). */
    private List<Member> lingering() {
        if (leftCount == 0) {
            return new ArrayList<>(down);
        }
        List<Member> out = new ArrayList<>(down);
        for (Member m : list) {
            if (m.left()) {
                out.add(m);
            }
        }
        return out;
    }

    private void forget(Member m, long until) {
        setLiveness(m, Liveness.ALIVE);
        m.forgotten = true;
        if (m.left()) {
            leftCount--;
        }
        members.remove(m.id());
        byId.remove(m.id());
        int i = m.index;
        Member last = list.remove(list.size() - 1);
        if (last != m) {
            list.set(i, last);
            last.index = i;
        }
        watchOrder.remove(m.orderKey);
        sampleDirty = true;
        forgotten.put(m.id(), new long[]{m.state.getGeneration(), until});
        watchDirty = true;
        ringDirty = true;
    }

    // ------------------------------------------------------------------ messages

    @Override
    public void onMessage(String from, GossipMessage message) {
        if (!started || stopped) {
            return;
        }
        long now = clock.nanos();
        noticeStall(now);
        try {
            if (!validSender(message)) {
                stats.rejectedMessages++;
                return;
            }
            for (MemberState s : message.getNewsList()) {
                apply(s, now);
            }
            for (Suspicion s : message.getSuspicionsList()) {
                onSuspicion(s, now);
            }
            switch (message.getBodyCase()) {
                case SYN -> onSyn(message, now);
                case ACK -> onAck(message, now);
                case ACK2 -> message.getAck2().getStatesList().forEach(s -> apply(s, now));
                case PING -> onPing(message);
                case PING_ACK -> onPingAck(message, now);
                case RUMOR -> {
                }
                case MEMBERS_REQUEST -> onMembersRequest(message);
                case MEMBERS_PAGE -> onMembersPage(message, now);
                case BODY_NOT_SET -> stats.rejectedMessages++;
            }
        } catch (IllegalArgumentException e) {
            stats.rejectedMessages++;
            log.warn("{}: dropped a gossip message from {} ({}): {}", self.getNodeId(), message.getFrom(), from,
                    e.getMessage());
        }
        flushNews(message.getFrom());
        publishRing();
    }

    private static boolean validSender(GossipMessage m) {
        return !m.getFrom().isEmpty() && m.getFrom().length() <= RingMember.MAX_ID_CHARS
                && !m.getFromAddress().isEmpty();
    }

    private void onSyn(GossipMessage message, long now) {
        GossipAck.Builder ack = GossipAck.newBuilder();
        int bytes = 0;
        for (Digest d : message.getSyn().getDigestsList()) {
            if (d.getNodeId().equals(self.getNodeId())) {
                if (compare(self, d) > 0 && ack.getStatesCount() < settings.maxStates()) {
                    ack.addStates(self);
                    bytes += self.getSerializedSize();
                }
                continue;
            }
            Member m = members.get(d.getNodeId());
            if (m == null) {
                if (!isForgotten(d.getNodeId(), d.getGeneration()) && ack.getRequestsCount() < settings.maxDigests()) {
                    ack.addRequests(d);
                }
                continue;
            }
            int c = compare(m.state, d);
            if (c > 0 && ack.getStatesCount() < settings.maxStates() && bytes < settings.maxMessageBytes() / 2) {
                ack.addStates(m.state);
                bytes += m.state.getSerializedSize();
            } else if (c < 0 && ack.getRequestsCount() < settings.maxDigests()) {
                ack.addRequests(d);
            }
        }
        addSample(ack::addDigests);
        send(message.getFromAddress(), message(true).setAck(ack));
    }

    private void onAck(GossipMessage message, long now) {
        GossipAck ack = message.getAck();
        for (MemberState s : ack.getStatesList()) {
            apply(s, now);
        }
        GossipAck2.Builder ack2 = GossipAck2.newBuilder();
        int bytes = 0;
        for (Digest d : ack.getRequestsList()) {
            MemberState s = d.getNodeId().equals(self.getNodeId()) ? self
                    : members.containsKey(d.getNodeId()) ? members.get(d.getNodeId()).state : null;
            if (s != null && ack2.getStatesCount() < settings.maxStates() && bytes < settings.maxMessageBytes() / 2) {
                ack2.addStates(s);
                bytes += s.getSerializedSize();
            }
        }
        for (Digest d : ack.getDigestsList()) {
            MemberState s = d.getNodeId().equals(self.getNodeId()) ? self
                    : members.containsKey(d.getNodeId()) ? members.get(d.getNodeId()).state : null;
            if (s != null && compare(s, d) > 0 && ack2.getStatesCount() < settings.maxStates()
                    && bytes < settings.maxMessageBytes() / 2) {
                ack2.addStates(s);
                bytes += s.getSerializedSize();
            }
        }
        if (ack2.getStatesCount() > 0) {
            send(message.getFromAddress(), message().setAck2(ack2));
        }
        pullUnknown(message.getFromAddress(), ack);
    }

    /**
     * The peer's sample named members this node has never heard of: ask that peer for them
     * at once with a digest that any state beats. Its answer carries a fresh sample, so a
     * node with a small view keeps pulling (up to {@link #PULLS_PER_ROUND} a round) until its
     * samples show nothing new; otherwise it would learn of unknown members only from the
     * samples others happen to send it, which takes minutes in a cluster of thousands.
     */
    private void pullUnknown(String address, GossipAck ack) {
        if (pullsThisRound >= PULLS_PER_ROUND) {
            return;
        }
        GossipSyn.Builder pull = null;
        for (Digest d : ack.getDigestsList()) {
            String id = d.getNodeId();
            if (!id.equals(self.getNodeId()) && !members.containsKey(id) && !isForgotten(id, d.getGeneration())) {
                if (pull == null) {
                    pull = GossipSyn.newBuilder().addDigests(digest(self));
                }
                pull.addDigests(Digest.newBuilder().setNodeId(id));
            }
        }
        if (pull != null) {
            pullsThisRound++;
            stats.pulls++;
            send(address, message().setSyn(pull));
        }
    }

    private void askForMembers(String address) {
        sweepAskedRound = round;
        send(address, message().setMembersRequest(MembersRequest.newBuilder().setAfter(sweepAfter)));
    }

    /** One page of the members this node lists, in id order, itself included. */
    private void onMembersRequest(GossipMessage message) {
        String after = message.getMembersRequest().getAfter();
        MembersPage.Builder page = MembersPage.newBuilder();
        int bytes = 0;
        boolean selfDue = self.getNodeId().compareTo(after) > 0;
        Iterator<Member> it = byId.tailMap(after, false).values().iterator();
        Member next = it.hasNext() ? it.next() : null;
        while (next != null || selfDue) {
            if (page.getStatesCount() >= settings.maxStates() || bytes >= settings.maxMessageBytes() / 2) {
                page.setNext(page.getStates(page.getStatesCount() - 1).getNodeId());
                break;
            }
            MemberState s;
            if (selfDue && (next == null || self.getNodeId().compareTo(next.id()) < 0)) {
                s = self;
                selfDue = false;
            } else {
                s = next.state;
                next = it.hasNext() ? it.next() : null;
            }
            page.addStates(s);
            bytes += s.getSerializedSize();
        }
        send(message.getFromAddress(), message().setMembersPage(page));
    }

    /** A page of a peer's members: merge it, ask for the next, and once all are read, join. */
    private void onMembersPage(GossipMessage message, long now) {
        MembersPage page = message.getMembersPage();
        for (MemberState s : page.getStatesList()) {
            apply(s, now);
        }
        if (sweepAfter == null) {
            return; // a late or repeated page
        }
        if (!page.getNext().isEmpty()) {
            if (page.getNext().compareTo(sweepAfter) > 0) {
                sweepAfter = page.getNext();
                askForMembers(message.getFromAddress());
            }
            return;
        }
        sweepAfter = null;
        settled = true;
        if (self.getStatus() == MemberStatus.JOINING) {
            changeSelf(self.toBuilder().setStatus(MemberStatus.NORMAL));
            log.info("{}: joined through {}; {} members known", self.getNodeId(), message.getFrom(),
                    members.size() + 1);
        }
    }

    private void onPing(GossipMessage message) {
        Ping ping = message.getPing();
        if (ping.getReplyToAddress().isEmpty()) {
            throw new IllegalArgumentException("ping without a reply address");
        }
        if (ping.getTarget().isEmpty() || ping.getTarget().equals(self.getNodeId())) {
            send(ping.getReplyToAddress(), message().setPingAck(
                    PingAck.newBuilder().setSeq(ping.getSeq()).setHeartbeat(self.getHeartbeat())));
            return;
        }
        // a helper: ping the target on the monitor's behalf; the target answers the monitor
        Member target = members.get(ping.getTarget());
        if (target != null && !target.left() && message.getFrom().equals(ping.getReplyTo())) {
            send(target.state.getPeerAddress(), message().setPing(ping));
        }
    }

    private void onPingAck(GossipMessage message, long now) {
        Member m = members.get(message.getFrom());
        if (m == null) {
            return;
        }
        PingAck ack = message.getPingAck();
        if (ack.getSeq() > m.lastAckedSeq && ack.getSeq() <= m.lastPingSeq) {
            m.lastAckedSeq = ack.getSeq();
            if (m.detector != null) {
                m.detector.heartbeat(now);
            }
        }
        heard(m, message.getFromGeneration(), ack.getHeartbeat(), now);
    }

    /** Direct evidence that {@code m} was alive at {@code heartbeat} of {@code generation}. */
    private void heard(Member m, long generation, long heartbeat, long now) {
        if (generation != m.state.getGeneration()) {
            return; // a new generation arrives with its state through gossip
        }
        if (heartbeat > m.state.getHeartbeat()) {
            m.state = m.state.toBuilder().setHeartbeat(heartbeat).build();
        }
        if (m.liveness != Liveness.ALIVE && heartbeat > suspectedAt(m)) {
            revive(m, now);
            markNews(m);
        }
    }

    private void onSuspicion(Suspicion s, long now) {
        if (s.getNodeId().equals(self.getNodeId())) {
            if (s.getGeneration() != self.getGeneration() || self.getStatus() == MemberStatus.LEFT) {
                return;
            }
            if (self.getHeartbeat() < s.getHeartbeat() + REFUTE_MARGIN) {
                self = self.toBuilder()
                        .setHeartbeat(Math.max(self.getHeartbeat(), s.getHeartbeat()) + REFUTE_MARGIN).build();
                stats.refutations++;
                selfNewsUntilRound = round + settings.newsRounds();
                freshStates.add(self);
                Member reporter = members.get(s.getReporter());
                if (reporter != null) {
                    send(reporter.state.getPeerAddress(), message().addNews(self).setRumor(Rumor.getDefaultInstance()));
                }
            } else if (selfNewsUntilRound < round) {
                // the heartbeat already refutes it, but no longer travels as news: spread it once
                // more. Copies of a suspicion this node refuted lately (every holder asks this node
                // directly) cost nothing: their askers hear the heartbeat in the answer.
                selfNewsUntilRound = round + settings.newsRounds();
                freshStates.add(self);
            }
            return;
        }
        Member m = members.get(s.getNodeId());
        if (m == null || m.left() || s.getGeneration() != m.state.getGeneration()) {
            return;
        }
        if (m.state.getHeartbeat() >= s.getHeartbeat() + REFUTE_MARGIN) {
            // stale: we heard of a later heartbeat; the reporter should hear of it too
            Member reporter = members.get(s.getReporter());
            if (reporter != null && m.liveness == Liveness.ALIVE) {
                send(reporter.state.getPeerAddress(), message().addNews(m.state).setRumor(Rumor.getDefaultInstance()));
            }
            return;
        }
        switch (m.liveness) {
            case ALIVE -> suspect(m, s, now);
            case SUSPECT -> {
                if (s.getHeartbeat() > m.suspicion.getHeartbeat()) {
                    m.suspicion = s;
                }
            }
            case DOWN -> m.condemnedHeartbeat = Math.max(m.condemnedHeartbeat, s.getHeartbeat());
        }
    }

    private void suspect(Member m, Suspicion s, long now) {
        setLiveness(m, Liveness.SUSPECT);
        m.suspicion = s;
        m.suspicionDeadline = now + settings.suspicionTimeout().toNanos();
        freshSuspicions.add(s);
        markNews(m);
        log.debug("{}: suspects {} (reported by {} at heartbeat {})", self.getNodeId(), m.id(), s.getReporter(),
                s.getHeartbeat());
        listener.livenessChanged(m.id(), Liveness.SUSPECT);
        askSuspect(m, now);
    }

    /**
     * Pings a suspect with the suspicion attached: a live suspect refutes it (if it has not
     * already) and answers with its raised heartbeat, which is direct evidence. Asked when
     * the suspicion arrives and at every quarter until the deadline, so that a refutation
     * does not depend on rumours alone, or on one lossy round trip, reaching every node in time.
     */
    private void askSuspect(Member m, long now) {
        m.askedAt = now;
        stats.suspectsAsked++;
        send(m.state.getPeerAddress(), message().addSuspicions(m.suspicion).setPing(Ping.newBuilder()
                .setSeq(++pingSeq).setTarget(m.id()).setReplyTo(self.getNodeId())
                .setReplyToAddress(self.getPeerAddress())));
    }

    private void revive(Member m, long now) {
        boolean wasDown = m.liveness == Liveness.DOWN;
        setLiveness(m, Liveness.ALIVE);
        m.suspicion = null;
        if (wasDown) {
            stats.cameBack++;
            log.info("{}: {} is back (heartbeat {})", self.getNodeId(), m.id(), m.state.getHeartbeat());
        }
        if (m.detector != null) {
            // the silence was the failure, not the path's usual behaviour: start afresh
            m.detector = newDetector(now);
        }
        listener.livenessChanged(m.id(), Liveness.ALIVE);
    }

    /** The one place a verdict changes, keeping the suspect and down lists in step. */
    private void setLiveness(Member m, Liveness to) {
        if (m.liveness == to) {
            return;
        }
        if (m.liveness == Liveness.SUSPECT) {
            suspects.remove(m);
        } else if (m.liveness == Liveness.DOWN) {
            down.remove(m);
        }
        m.liveness = to;
        if (to == Liveness.SUSPECT) {
            suspects.add(m);
        } else if (to == Liveness.DOWN) {
            down.add(m);
        }
    }

    private static long suspectedAt(Member m) {
        return m.liveness == Liveness.DOWN ? m.condemnedHeartbeat : m.suspicion.getHeartbeat();
    }

    /** Merges one member state; remembers it as news when it told us something new. */
    private void apply(MemberState s, long now) {
        if (s.getNodeId().equals(self.getNodeId())) {
            return; // only this node speaks for itself
        }
        Member m = members.get(s.getNodeId());
        if (m != null && compare(s, m.state) <= 0) {
            return; // the common case: nothing new
        }
        validate(s);
        if (m == null && isForgotten(s.getNodeId(), s.getGeneration())) {
            return;
        }
        if (m == null) {
            m = new Member(s);
            m.orderKey = orderKey(s.getNodeId());
            m.index = list.size();
            list.add(m);
            members.put(s.getNodeId(), m);
            byId.put(s.getNodeId(), m);
            if (!m.left()) {
                watchOrder.put(m.orderKey, m);
            } else {
                m.leftSince = now;
                leftCount++;
            }
            watchDirty = true;
            ringDirty |= inRing(s);
            markNews(m);
            return;
        }
        MemberState old = m.state;
        if (compare(s, old) <= 0) {
            return;
        }
        m.state = s;
        boolean newGeneration = s.getGeneration() > old.getGeneration();
        boolean news = newGeneration || s.getVersion() > old.getVersion();
        if (newGeneration) {
            if (m.liveness != Liveness.ALIVE) {
                revive(m, now);
            }
            if (m.detector != null) {
                m.detector = newDetector(now);
            }
            m.lastAckedSeq = m.lastPingSeq;
        } else if (m.liveness != Liveness.ALIVE && s.getHeartbeat() >= suspectedAt(m) + REFUTE_MARGIN) {
            stats.refutations++;
            revive(m, now);
            news = true;
        }
        if (news) {
            if (inRing(s) != inRing(old) || !s.getRack().equals(old.getRack()) || s.getVnodes() != old.getVnodes()
                    || s.getWeight() != old.getWeight()) {
                ringDirty = true;
            }
            if (s.getStatus() == MemberStatus.LEFT && old.getStatus() != MemberStatus.LEFT) {
                m.leftSince = now;
                leftCount++;
                setLiveness(m, Liveness.ALIVE);
                watchOrder.remove(m.orderKey);
                watchDirty = true;
                log.info("{}: {} left the cluster", self.getNodeId(), m.id());
            } else if (s.getStatus() != MemberStatus.LEFT && old.getStatus() == MemberStatus.LEFT) {
                leftCount--;
                watchOrder.put(m.orderKey, m);
                watchDirty = true;
            }
            markNews(m);
        }
    }

    private static void validate(MemberState s) {
        if (s.getNodeId().isEmpty() || s.getNodeId().length() > RingMember.MAX_ID_CHARS) {
            throw new IllegalArgumentException("member state with a bad node id");
        }
        if (s.getPeerAddress().isEmpty()) {
            throw new IllegalArgumentException("member state of " + s.getNodeId() + " without a peer address");
        }
        if (s.getStatus() == MemberStatus.STATUS_UNSPECIFIED || s.getStatus() == MemberStatus.UNRECOGNIZED) {
            throw new IllegalArgumentException("member state of " + s.getNodeId() + " without a status");
        }
        // the ring checks rack, vnodes and weight
        new RingMember(s.getNodeId(), s.getRack(), s.getVnodes(), s.getWeight());
    }

    private void markNews(Member m) {
        if (remembering) {
            return; // what this node remembers from its last run is old: never news to spread
        }
        boolean wasHot = m.newsUntilRound >= round;
        m.newsUntilRound = round + settings.newsRounds();
        if (!wasHot) {
            hot.addLast(m);
        }
        freshStates.add(m.state);
    }

    /** Tells {@code fanout} random peers what this node just learned. */
    private void flushNews(String cameFrom) {
        if (freshStates.isEmpty() && freshSuspicions.isEmpty()) {
            return;
        }
        GossipMessage.Builder rumor = message().setRumor(Rumor.getDefaultInstance());
        // only the newest state of each member
        Map<String, MemberState> latest = new HashMap<>();
        for (MemberState s : freshStates) {
            latest.merge(s.getNodeId(), s, (a, b) -> compare(a, b) >= 0 ? a : b);
        }
        int n = 0;
        for (MemberState s : freshStates) {
            if (latest.remove(s.getNodeId()) != null && n++ < settings.maxStates()) {
                rumor.addNews(s);
            }
        }
        for (int i = 0; i < freshSuspicions.size() && i < settings.maxStates(); i++) {
            rumor.addSuspicions(freshSuspicions.get(i));
        }
        freshStates.clear();
        freshSuspicions.clear();
        GossipMessage built = rumor.build();
        int told = 0;
        for (int attempt = 0; attempt < settings.fanout() * 3 && told < settings.fanout(); attempt++) {
            Member peer = randomReachable();
            if (peer == null) {
                break;
            }
            if (peer.id().equals(cameFrom)) {
                continue;
            }
            network.send(peer.state.getPeerAddress(), built);
            told++;
        }
    }

    // ------------------------------------------------------------------ building messages

    private GossipMessage.Builder message() {
        return message(false);
    }

    /** A message from this node; gossip exchanges carry the current news. */
    private GossipMessage.Builder message(boolean withNews) {
        GossipMessage.Builder b = GossipMessage.newBuilder().setFrom(self.getNodeId())
                .setFromAddress(self.getPeerAddress()).setFromGeneration(self.getGeneration());
        if (withNews) {
            int n = 0;
            if (selfNewsUntilRound >= round) {
                b.addNews(self);
                n++;
            }
            Iterator<Member> it = hot.descendingIterator();
            while (it.hasNext() && n < settings.maxStates()) {
                Member m = it.next();
                if (m.newsUntilRound >= round && !m.forgotten) {
                    b.addNews(m.state);
                    if (m.liveness != Liveness.ALIVE && m.suspicion != null) {
                        b.addSuspicions(m.suspicion);
                    }
                    n++;
                }
            }
        }
        return b;
    }

    private void sendSyn(String address) {
        GossipSyn.Builder syn = GossipSyn.newBuilder();
        addSample(syn::addDigests);
        send(address, message(true).setSyn(syn));
    }

    /** This node's digest and those of up to {@code maxDigests - 1} random members. */
    private void addSample(java.util.function.Consumer<Digest> out) {
        out.accept(digest(self));
        int n = list.size();
        if (sampleDirty || sample.length > n) {
            sampleDirty = false;
            sample = new int[n];
            for (int i = 0; i < n; i++) {
                sample[i] = i;
            }
        } else if (sample.length < n) {
            // members were only added: the old entries still form a permutation of the old indices
            int old = sample.length;
            sample = java.util.Arrays.copyOf(sample, n);
            for (int i = old; i < n; i++) {
                sample[i] = i;
            }
        }
        int k = Math.min(n, settings.maxDigests() - 1);
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int t = sample[i];
            sample[i] = sample[j];
            sample[j] = t;
            out.accept(digest(list.get(sample[i]).state));
        }
    }

    private void send(String address, GossipMessage.Builder message) {
        network.send(address, message.build());
    }

    private static Digest digest(MemberState s) {
        return Digest.newBuilder().setNodeId(s.getNodeId()).setGeneration(s.getGeneration())
                .setVersion(s.getVersion()).setHeartbeat(s.getHeartbeat()).build();
    }

    /** Positive when {@code a} is newer than {@code b}: by generation, then version, then heartbeat. */
    static int compare(MemberState a, MemberState b) {
        return compare(a.getGeneration(), a.getVersion(), a.getHeartbeat(),
                b.getGeneration(), b.getVersion(), b.getHeartbeat());
    }

    static int compare(MemberState a, Digest b) {
        return compare(a.getGeneration(), a.getVersion(), a.getHeartbeat(),
                b.getGeneration(), b.getVersion(), b.getHeartbeat());
    }

    private static int compare(long g1, long v1, long h1, long g2, long v2, long h2) {
        int c = Long.compareUnsigned(g1, g2);
        if (c == 0) {
            c = Long.compareUnsigned(v1, v2);
        }
        if (c == 0) {
            c = Long.compareUnsigned(h1, h2);
        }
        return c;
    }

    // ------------------------------------------------------------------ choosing peers

    private Member randomReachable() {
        return randomMember(Member::reachable);
    }

    private Member randomMember(java.util.function.Predicate<Member> wanted) {
        int n = list.size();
        if (n == 0) {
            return null;
        }
        for (int attempt = 0; attempt < 8; attempt++) {
            Member m = list.get(random.nextInt(n));
            if (wanted.test(m)) {
                return m;
            }
        }
        int start = random.nextInt(n);
        for (int i = 0; i < n; i++) {
            Member m = list.get((start + i) % n);
            if (wanted.test(m)) {
                return m;
            }
        }
        return null;
    }

    /** The members after this node in hash order, skipping those that left. */
    private void rebuildWatched(long now) {
        watchDirty = false;
        int k = Math.min(settings.monitors(), watchOrder.size());
        List<Member> next = new ArrayList<>(k);
        Iterator<Member> it = watchOrder.tailMap(selfOrderKey, false).values().iterator();
        while (next.size() < k) {
            if (!it.hasNext()) {
                it = watchOrder.values().iterator();
            }
            next.add(it.next());
        }
        for (Member m : watched) {
            if (!next.contains(m)) {
                m.detector = null;
            }
        }
        for (Member m : next) {
            if (m.detector == null) {
                m.detector = newDetector(now);
                m.lastAckedSeq = m.lastPingSeq;
            }
        }
        watched = next;
    }

    private PhiAccrualDetector newDetector(long now) {
        PhiAccrualDetector d = new PhiAccrualDetector(settings.phiWindow(), settings.interval().toMillis(),
                settings.minStdDev().toMillis(), settings.acceptablePause().toMillis());
        d.startAt(now);
        return d;
    }

    private static long orderKey(String nodeId) {
        return Murmur3.hash64(nodeId.getBytes(StandardCharsets.UTF_8));
    }

    private boolean isForgotten(String nodeId, long generation) {
        long[] f = forgotten.get(nodeId);
        return f != null && Long.compareUnsigned(generation, f[0]) <= 0;
    }

    private static boolean inRing(MemberState s) {
        return s.getStatus() == MemberStatus.NORMAL || s.getStatus() == MemberStatus.LEAVING;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    // ------------------------------------------------------------------ the ring and views

    private void publishRing() {
        if (publishRings && started) {
            RingSnapshot current = ring();
            if (current != published) {
                published = current;
                listener.ringChanged(current);
            }
        }
    }

    /** The ring made of the members that are NORMAL or LEAVING, this node included. */
    public RingSnapshot ring() {
        if (ringDirty || ring == null) {
            ringDirty = false;
            RingSnapshot.Builder b = RingSnapshot.builder().epoch(++ringEpoch);
            if (inRing(self)) {
                b.add(ringMember(self));
            }
            for (Member m : list) {
                if (inRing(m.state)) {
                    b.add(ringMember(m.state));
                }
            }
            ring = b.build();
        }
        return ring;
    }

    private static RingMember ringMember(MemberState s) {
        return new RingMember(s.getNodeId(), s.getRack(), s.getVnodes(), s.getWeight());
    }

    /** A hash of the ring's content; equal on nodes that agree on the ring. */
    public long ringFingerprint() {
        List<MemberState> in = new ArrayList<>();
        if (inRing(self)) {
            in.add(self);
        }
        for (Member m : list) {
            if (inRing(m.state)) {
                in.add(m.state);
            }
        }
        in.sort(Comparator.comparing(MemberState::getNodeId));
        StringBuilder sb = new StringBuilder();
        for (MemberState s : in) {
            sb.append(s.getNodeId()).append('\u0000').append(s.getRack()).append('\u0000')
                    .append(s.getVnodes()).append('\u0000').append(s.getWeight()).append('\n');
        }
        return Murmur3.hash64(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Everything this node knows, as of now. */
    public MembershipView view() {
        long now = clock.nanos();
        List<MemberInfo> rows = new ArrayList<>(list.size() + 1);
        rows.add(info(self, true, Liveness.ALIVE, Double.NaN));
        for (Member m : list) {
            double phi = m.detector != null ? m.detector.phi(now) : Double.NaN;
            rows.add(info(m.state, false, m.liveness, phi));
        }
        rows.sort(Comparator.comparing(MemberInfo::nodeId));
        return new MembershipView(self.getNodeId(), rows, ringFingerprint());
    }

    private static MemberInfo info(MemberState s, boolean self, Liveness liveness, double phi) {
        return new MemberInfo(s.getNodeId(), self, s.getClientAddress(), s.getPeerAddress(), s.getRack(),
                s.getGeneration(), s.getVersion(), s.getHeartbeat(), s.getStatus(), liveness, phi, s.getVnodes(),
                s.getWeight(), s.getLoadBytes(), s.getKeyEstimate());
    }

    public String nodeId() {
        return self.getNodeId();
    }

    /**
     * Whether this node's ring is complete: it has read a seed's whole member list since it
     * started, or it restarted with the ring members it remembered, or it has no seeds (the
     * first node of a cluster). A node that is not settled may hold a partial ring and must
     * not place data by it.
     */
    public boolean settled() {
        return settled;
    }

    public MemberState self() {
        return self;
    }

    /** This node's verdict about {@code nodeId}; empty when it does not know the node. */
    public java.util.Optional<Liveness> liveness(String nodeId) {
        if (nodeId.equals(self.getNodeId())) {
            return java.util.Optional.of(Liveness.ALIVE);
        }
        Member m = members.get(nodeId);
        return m == null ? java.util.Optional.empty() : java.util.Optional.of(m.liveness);
    }

    /** What this node knows of {@code nodeId}'s state; empty when it does not know the node. */
    public java.util.Optional<MemberState> state(String nodeId) {
        if (nodeId.equals(self.getNodeId())) {
            return java.util.Optional.of(self);
        }
        Member m = members.get(nodeId);
        return m == null ? java.util.Optional.empty() : java.util.Optional.of(m.state);
    }

    /** How many other members this node lists (LEFT ones included until forgotten). */
    public int knownMembers() {
        return list.size();
    }

    /** The node ids this node watches, in order. */
    public List<String> watched() {
        return watched.stream().map(Member::id).toList();
    }

    public Stats stats() {
        return stats;
    }

    public MembershipSettings settings() {
        return settings;
    }
}
