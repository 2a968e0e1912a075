package io.murmur.transport;

import io.murmur.proto.peer.PeerFrame;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.proto.peer.TrafficClass;
import io.murmur.testing.RawClient;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static io.murmur.transport.GossipPeers.addressOf;
import static io.murmur.transport.GossipPeers.freePort;
import static io.murmur.transport.GossipPeers.ping;
import static io.murmur.transport.GossipPeers.settings;
import static io.murmur.transport.ReplicaPeers.concat;
import static io.murmur.transport.ReplicaPeers.frame;
import static io.murmur.transport.ReplicaPeers.hello;
import static io.murmur.transport.ReplicaPeers.store;
import static io.murmur.transport.ReplicaPeers.storeAck;
import static io.murmur.transport.ReplicaPeers.threads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/** Replica traffic between transports on loopback, sharing the peer port with gossip. */
class ReplicaTrafficTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    final GossipPeers peers = new GossipPeers();
    final List<ExecutorService> pools = new ArrayList<>();

    @AfterEach
    void closeAll() {
        peers.close();
        pools.forEach(ExecutorService::shutdownNow);
    }

    static void assumeAvailable(String transport) {
        if (transport.equals("epoll")) {
            assumeThat(Epoll.isAvailable()).as("epoll available").isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void twoTransportsExchangeReplicaMessagesBothWaysOnTheReplicaLoops(String transport) {
        assumeAvailable(transport);
        ReplicaPeers.Inbox inboxA = new ReplicaPeers.Inbox();
        ReplicaPeers.Inbox inboxB = new ReplicaPeers.Inbox();
        PeerTransport a = peers.start(settings("a").transport(transport), new GossipPeers.Inbox());
        PeerTransport b = peers.start(settings("b").transport(transport), new GossipPeers.Inbox());
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings(), inboxA);
        ReplicaTraffic rb = ReplicaPeers.open(b, ReplicaPeers.settings(), inboxB);
        assertThat(a.transportName()).isEqualTo(transport);

        ReplicaMessage write = store("a", addressOf(a), 7, 100_000);
        ra.send(addressOf(b), write);
        await().atMost(WAIT).until(() -> inboxB.size() == 1);
        ReplicaPeers.Received atB = inboxB.all().get(0);
        assertThat(atB.message()).isEqualTo(write);
        assertThat(atB.from()).as("the connection's remote address, not A's peer port")
                .startsWith("127.0.0.1:").isNotEqualTo(addressOf(a));
        assertThat(atB.thread()).as("read and handled on a replica loop").startsWith("murmur-replica");

        ReplicaMessage ack = storeAck("b", addressOf(b), 7);
        rb.send(atB.message().getFromAddress(), ack);
        await().atMost(WAIT).until(() -> inboxA.size() == 1);
        assertThat(inboxA.all().get(0).message()).isEqualTo(ack);
        assertThat(inboxA.all().get(0).thread()).startsWith("murmur-replica");

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(ra.openOutboundConnections()).isEqualTo(1);
            assertThat(ra.openInboundConnections()).isEqualTo(1);
            assertThat(rb.openOutboundConnections()).isEqualTo(1);
            assertThat(rb.openInboundConnections()).isEqualTo(1);
            assertThat(b.openInboundConnections()).as("no gossip connection was opened").isZero();
            assertThat(b.openOutboundConnections()).isZero();
            PeerTransport.Counters ca = ra.counters();
            assertThat(ca.messagesSent()).isEqualTo(1);
            assertThat(ca.messagesReceived()).isEqualTo(1);
            assertThat(ca.messagesDropped()).isZero();
            assertThat(ca.bytesSent()).isGreaterThan(write.getSerializedSize());
            PeerTransport.Counters cb = rb.counters();
            assertThat(cb.messagesReceived()).isEqualTo(1);
            assertThat(cb.bytesReceived() + b.counters().bytesReceived())
                    .as("every byte is counted, by one class or the other").isEqualTo(ca.bytesSent());
            assertThat(a.counters().messagesSent()).as("no gossip was sent").isZero();
        });
    }

    @Test
    void nioAndEpollTransportsExchangeReplicaMessages() {
        assumeAvailable("epoll");
        ReplicaPeers.Inbox inboxA = new ReplicaPeers.Inbox();
        ReplicaPeers.Inbox inboxB = new ReplicaPeers.Inbox();
        PeerTransport a = peers.start(settings("a").transport("nio"), new GossipPeers.Inbox());
        PeerTransport b = peers.start(settings("b").transport("epoll"), new GossipPeers.Inbox());
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings(), inboxA);
        ReplicaTraffic rb = ReplicaPeers.open(b, ReplicaPeers.settings(), inboxB);
        ra.send(addressOf(b), store("a", addressOf(a), 1, 10));
        rb.send(addressOf(a), store("b", addressOf(b), 2, 10));
        await().atMost(WAIT).until(() -> inboxA.size() == 1 && inboxB.size() == 1);
        assertThat(inboxA.requestIds()).containsExactly(2L);
        assertThat(inboxB.requestIds()).containsExactly(1L);
    }

    @Test
    void gossipAndReplicaTrafficShareThePeerPortEachOnItsOwnConnectionsAndLoops() {
        GossipPeers.Inbox gossipB = new GossipPeers.Inbox();
        ReplicaPeers.Inbox replicaB = new ReplicaPeers.Inbox();
        PeerTransport a = peers.start(settings("a"), new GossipPeers.Inbox());
        PeerTransport b = peers.start(settings("b"), gossipB);
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings(), new ReplicaPeers.Inbox());
        ReplicaTraffic rb = ReplicaPeers.open(b, ReplicaPeers.settings(), replicaB);
        for (int i = 0; i < 100; i++) {
            a.send(addressOf(b), ping("a", addressOf(a), i));
            ra.send(addressOf(b), store("a", addressOf(a), i, 1000));
        }
        await().atMost(WAIT).until(() -> gossipB.size() == 100 && replicaB.size() == 100);
        assertThat(gossipB.pingSeqs()).isEqualTo(LongStream.range(0, 100).boxed().toList());
        assertThat(replicaB.requestIds()).as("one connection, one loop, the handler on it: in order")
                .isEqualTo(LongStream.range(0, 100).boxed().toList());
        assertThat(gossipB.all()).allSatisfy(r -> assertThat(r.thread()).startsWith("murmur-gossip"));
        assertThat(replicaB.all()).allSatisfy(r -> assertThat(r.thread()).startsWith("murmur-replica"));
        String gossipFrom = gossipB.all().get(0).from();
        String replicaFrom = replicaB.all().get(0).from();
        assertThat(gossipFrom).as("separate connections").isNotEqualTo(replicaFrom);
        assertThat(b.openInboundConnections()).isEqualTo(1);
        assertThat(rb.openInboundConnections()).isEqualTo(1);
        assertThat(b.counters().messagesReceived()).isEqualTo(100);
        assertThat(rb.counters().messagesReceived()).isEqualTo(100);
        assertThat(a.counters().messagesDropped() + ra.counters().messagesDropped()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void framesThatCameWithTheHelloAreHandledInOrderOnTheReplicaLoopAfterTheMove(String transport)
            throws IOException {
        assumeAvailable(transport);
        ReplicaPeers.Inbox inbox = new ReplicaPeers.Inbox();
        PeerTransport b = peers.start(settings("b").transport(transport), new GossipPeers.Inbox());
        ReplicaTraffic rb = ReplicaPeers.open(b, ReplicaPeers.settings().ioThreads(1), inbox);
        // small frames and frames over the gossip limit of 1 MiB, all in one write with the hello
        List<byte[]> frames = new ArrayList<>();
        frames.add(frame(hello(TrafficClass.REPLICA)));
        for (long i = 0; i < 300; i++) {
            frames.add(frame(store("raw", "127.0.0.1:1", i, i % 100 == 99 ? 3 << 20 : 100)));
        }
        try (RawClient raw = new RawClient(b.localAddress())) {
            raw.sendRaw(concat(frames.toArray(byte[][]::new)));
            await().atMost(WAIT).until(() -> inbox.size() == 300);
            raw.setReadTimeoutMillis(300);
            assertThat(raw.closedByPeer()).as("the connection stays open").isFalse();
        }
        assertThat(inbox.requestIds()).isEqualTo(LongStream.range(0, 300).boxed().toList());
        assertThat(inbox.all()).allSatisfy(r -> assertThat(r.thread()).startsWith("murmur-replica"));
        assertThat(b.counters().connectionsRejected() + rb.counters().connectionsRejected()).isZero();
        await().atMost(WAIT).until(() -> rb.openInboundConnections() == 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void manyReplicaConnectionsMovingAtOnceAllDeliverEverything(String transport) throws Exception {
        assumeAvailable(transport);
        ReplicaPeers.Inbox inbox = new ReplicaPeers.Inbox();
        PeerTransport b = peers.start(settings("b").transport(transport), new GossipPeers.Inbox());
        ReplicaTraffic rb = ReplicaPeers.open(b, ReplicaPeers.settings(), inbox);
        int connections = 40;
        int perConnection = 50;
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int c = 0; c < connections; c++) {
                List<byte[]> frames = new ArrayList<>();
                frames.add(frame(hello(TrafficClass.REPLICA)));
                for (int i = 0; i < perConnection; i++) {
                    frames.add(frame(store("raw", "127.0.0.1:1", c * 1000L + i, 2000)));
                }
                RawClient raw = new RawClient(b.localAddress());
                clients.add(raw);
                raw.sendRaw(concat(frames.toArray(byte[][]::new)));
            }
            await().atMost(WAIT).until(() -> inbox.size() == connections * perConnection);
            assertThat(rb.openInboundConnections()).isEqualTo(connections);
            assertThat(b.openInboundConnections()).isZero();
        } finally {
            for (RawClient raw : clients) {
                raw.close();
            }
        }
        for (int c = 0; c < connections; c++) {
            long first = c * 1000L;
            assertThat(inbox.requestIds().stream().filter(id -> id >= first && id < first + 1000))
                    .as("connection %d, in order", c)
                    .isEqualTo(LongStream.range(first, first + perConnection).boxed().toList());
        }
        await().atMost(WAIT).until(() -> rb.openInboundConnections() == 0);
    }

    @Test
    void aReplicaHelloToANodeWithoutReplicaTrafficIsRefusedUntilItIsOpened() throws IOException {
        GossipPeers.Inbox gossipB = new GossipPeers.Inbox();
        PeerTransport b = peers.start(settings("b"), gossipB);
        try (RawClient raw = new RawClient(b.localAddress())) {
            raw.sendRaw(concat(frame(hello(TrafficClass.REPLICA)), frame(store("raw", "127.0.0.1:1", 1, 10))));
            raw.setReadTimeoutMillis(2_000);
            assertThat(raw.closedByPeer()).isTrue();
        }
        assertThat(b.counters().connectionsRejected()).isEqualTo(1);
        assertThat(b.counters().messagesReceived()).isZero();

        // a real peer's replica messages are lost meanwhile, and its gossip is not
        PeerTransport a = peers.start(settings("a"), new GossipPeers.Inbox());
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings(), new ReplicaPeers.Inbox());
        ra.send(addressOf(b), store("a", addressOf(a), 1, 10));
        a.send(addressOf(b), ping("a", addressOf(a), 1));
        await().atMost(WAIT).until(() -> gossipB.size() == 1 && b.counters().connectionsRejected() == 2);

        ReplicaPeers.Inbox replicaB = new ReplicaPeers.Inbox();
        ReplicaPeers.open(b, ReplicaPeers.settings(), replicaB);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            ra.send(addressOf(b), store("a", addressOf(a), 2, 10));
            return replicaB.size() > 0;
        });
        assertThat(replicaB.all().get(0).message().getRequestId()).isEqualTo(2);
    }

    @Test
    void openingReplicaTrafficTwiceOrAfterCloseIsAnError() {
        PeerTransport b = peers.start(settings("b"), new GossipPeers.Inbox());
        ReplicaPeers.open(b, ReplicaPeers.settings(), new ReplicaPeers.Inbox());
        assertThatThrownBy(() -> ReplicaPeers.open(b, ReplicaPeers.settings(), new ReplicaPeers.Inbox()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("open already");
        b.close();
        PeerTransport c = peers.start(settings("c"), new GossipPeers.Inbox());
        c.close();
        assertThatThrownBy(() -> ReplicaPeers.open(c, ReplicaPeers.settings(), new ReplicaPeers.Inbox()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(threads("murmur-replica")).isEmpty();
    }

    @Test
    void messagesToADeadPeerAreDroppedAndCountedAndSendNeverWaits() {
        PeerTransport a = peers.start(settings("a"), new GossipPeers.Inbox());
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings(), new ReplicaPeers.Inbox());
        String nowhere = "127.0.0.1:" + freePort();
        ReplicaMessage message = store("a", addressOf(a), 1, 64 * 1024);
        long t0 = System.nanoTime();
        for (int i = 0; i < 2_000; i++) {
            ra.send(nowhere, message);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("send never waits").isLessThan(Duration.ofSeconds(2));
        await().atMost(WAIT).until(() -> ra.counters().messagesDropped() == 2_000);
        assertThat(ra.counters().connectFailures()).isGreaterThanOrEqualTo(1);
        assertThat(ra.counters().messagesSent()).isZero();
        assertThat(a.counters().messagesDropped()).as("gossip's counters are its own").isZero();
    }

    @Test
    void aPeerThatReadsSlowlyMakesFramesWaitBoundedByTheQueueAndTheRestFlowsWhenItReads() throws Exception {
        PeerTransport a = peers.start(settings("a"), new GossipPeers.Inbox());
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings()
                .maxFrameBytes(1 << 20).writeBufferHighWaterBytes(256 * 1024).maxQueuedBytesPerPeer(8L << 20), new ReplicaPeers.Inbox());
        int total = 200;
        try (ServerSocket listener = new ServerSocket(0)) {
            String target = "127.0.0.1:" + listener.getLocalPort();
            for (int i = 0; i < total; i++) {
                ra.send(target, store("a", addressOf(a), i, 256 * 1024));
            }
            try (Socket peer = listener.accept()) {
                // nobody reads yet: the socket buffers fill, then the queue, then sends are dropped
                await().atMost(WAIT).until(() -> ra.counters().messagesDropped() > 0);
                long dropped = ra.counters().messagesDropped();
                assertThat(dropped).as("the queue holds about 8 MiB").isBetween(20L, (long) total - 20);
                // now the peer reads everything: what waited is sent, nothing more is dropped
                DataInputStream in = new DataInputStream(peer.getInputStream());
                List<Long> ids = new ArrayList<>();
                PeerFrame first = readFrame(in);
                assertThat(first.getHello().getTraffic()).isEqualTo(TrafficClass.REPLICA);
                while (ids.size() < total - dropped) {
                    ids.add(readFrame(in).getReplica().getRequestId());
                }
                assertThat(ra.counters().messagesDropped()).isEqualTo(dropped);
                assertThat(ra.counters().messagesSent()).isEqualTo(total - dropped);
                assertThat(ids).as("in order").isSorted().doesNotHaveDuplicates();
                assertThat(ids.get(0)).isZero();
            }
        }
    }

    private static PeerFrame readFrame(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return PeerFrame.parseFrom(bytes);
    }

    @Test
    void gossipKeepsFlowingWhileTheReplicaLoopIsStuckUnderAFlood() throws Exception {
        GossipPeers.Inbox gossipB = new GossipPeers.Inbox();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger replicaReceived = new AtomicInteger();
        PeerTransport a = peers.start(settings("a"), new GossipPeers.Inbox());
        PeerTransport b = peers.start(settings("b"), gossipB);
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings(), new ReplicaPeers.Inbox());
        // B's only replica loop runs the handler, which stops at the first message until released
        ReplicaTraffic rb = b.openReplicaTraffic(ReplicaPeers.settings().ioThreads(1).build(), (from, message) -> {
            replicaReceived.incrementAndGet();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, ReplicaPeers.ON_THE_LOOP);
        int total = 800; // 64 KiB each: about 50 MiB
        try {
            for (int i = 0; i < total; i++) {
                ra.send(addressOf(b), store("a", addressOf(a), i, 64 * 1024));
            }
            await().atMost(WAIT).until(() -> replicaReceived.get() == 1);
            for (int i = 0; i < 20; i++) {
                a.send(addressOf(b), ping("a", addressOf(a), i));
            }
            await().atMost(WAIT).until(() -> gossipB.size() == 20);
            assertThat(replicaReceived.get()).as("the flood is still stuck").isEqualTo(1);
            assertThat(ra.counters().messagesSent()).as("the flood is still under way").isLessThan(total);
        } finally {
            release.countDown();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> replicaReceived.get() == total);
        assertThat(ra.counters().messagesDropped()).isZero();
        assertThat(rb.counters().deliveriesDropped()).isZero();
        assertThat(gossipB.pingSeqs()).isEqualTo(LongStream.range(0, 20).boxed().toList());
    }

    @Test
    void gossipIsDeliveredWhileAFloodOfReplicaTrafficFlowsBothWaysOnARequestPool() {
        GossipPeers.Inbox gossipA = new GossipPeers.Inbox();
        GossipPeers.Inbox gossipB = new GossipPeers.Inbox();
        ExecutorService poolA = pool("pool-a");
        ExecutorService poolB = pool("pool-b");
        ReplicaPeers.Inbox replicaA = new ReplicaPeers.Inbox();
        ReplicaPeers.Inbox replicaB = new ReplicaPeers.Inbox();
        PeerTransport a = peers.start(settings("a"), gossipA);
        PeerTransport b = peers.start(settings("b"), gossipB);
        ReplicaTraffic ra = a.openReplicaTraffic(ReplicaPeers.settings().build(), replicaA, poolA);
        ReplicaTraffic rb = b.openReplicaTraffic(ReplicaPeers.settings().build(), replicaB, poolB);
        int total = 400; // 64 KiB each way: about 25 MiB each way
        Thread flood = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                ra.send(addressOf(b), store("a", addressOf(a), i, 64 * 1024));
                rb.send(addressOf(a), store("b", addressOf(b), i, 64 * 1024));
            }
        });
        flood.start();
        for (int i = 0; i < 50; i++) {
            a.send(addressOf(b), ping("a", addressOf(a), i));
            b.send(addressOf(a), ping("b", addressOf(b), i));
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> replicaA.size() == total && replicaB.size() == total
                        && gossipA.size() == 50 && gossipB.size() == 50);
        assertThat(replicaB.requestIds()).containsExactlyInAnyOrderElementsOf(
                LongStream.range(0, total).boxed().toList());
        assertThat(replicaA.all()).allSatisfy(r -> assertThat(r.thread()).startsWith("pool-a"));
        assertThat(ra.counters().messagesDropped() + rb.counters().messagesDropped()).isZero();
        assertThat(ra.counters().deliveriesDropped() + rb.counters().deliveriesDropped()).isZero();
        assertThat(a.counters().messagesDropped() + b.counters().messagesDropped()).isZero();
    }

    private ExecutorService pool(String name) {
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4, r -> new Thread(r, name + "-" + n.incrementAndGet()));
        pools.add(pool);
        return pool;
    }

    @Test
    void aHandlerFarBehindMakesDeliveriesDropBeyondThePendingBound() {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService one = Executors.newSingleThreadExecutor(r -> new Thread(r, "behind"));
        pools.add(one);
        one.execute(() -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ReplicaPeers.Inbox inbox = new ReplicaPeers.Inbox();
        PeerTransport a = peers.start(settings("a"), new GossipPeers.Inbox());
        PeerTransport b = peers.start(settings("b"), new GossipPeers.Inbox());
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings(), new ReplicaPeers.Inbox());
        ReplicaTraffic rb = b.openReplicaTraffic(ReplicaPeers.settings().maxFrameBytes(64 * 1024)
                .maxQueuedBytesPerPeer(1 << 20).maxPendingDeliveryBytes(200 * 1024).build(), inbox, one);
        for (int i = 0; i < 20; i++) {
            ra.send(addressOf(b), store("a", addressOf(a), i, 30 * 1024));
        }
        await().atMost(WAIT).until(() -> rb.counters().messagesReceived() == 20);
        assertThat(rb.counters().deliveriesDropped()).as("about 6 of 30 KiB fit in 200 KiB").isBetween(12L, 15L);
        release.countDown();
        await().atMost(WAIT).until(() -> inbox.size() == 20 - rb.counters().deliveriesDropped());
        assertThat(inbox.requestIds()).startsWith(0L, 1L, 2L, 3L, 4L);
    }

    @Test
    void replicaConnectionsOverTheirLimitAreRefusedAfterTheHelloAndGossipIsStillTaken() throws IOException {
        PeerTransport b = peers.start(settings("b"), new GossipPeers.Inbox());
        ReplicaTraffic rb = ReplicaPeers.open(b, ReplicaPeers.settings().maxInboundConnections(1),
                new ReplicaPeers.Inbox());
        try (RawClient first = new RawClient(b.localAddress());
             RawClient gossip = new RawClient(b.localAddress())) {
            first.sendRaw(frame(hello(TrafficClass.REPLICA)));
            gossip.sendRaw(frame(hello(TrafficClass.GOSSIP)));
            await().atMost(WAIT).until(() -> rb.openInboundConnections() == 1 && b.openInboundConnections() == 1);
            try (RawClient second = new RawClient(b.localAddress())) {
                second.sendRaw(frame(hello(TrafficClass.REPLICA)));
                second.setReadTimeoutMillis(2_000);
                assertThat(second.closedByPeer()).isTrue();
            }
            assertThat(rb.counters().connectionsRefused()).isEqualTo(1);
            gossip.setReadTimeoutMillis(300);
            first.setReadTimeoutMillis(300);
            assertThat(gossip.closedByPeer()).isFalse();
            assertThat(first.closedByPeer()).isFalse();
            first.close();
            await().atMost(WAIT).until(() -> rb.openInboundConnections() == 0);
            try (RawClient third = new RawClient(b.localAddress())) {
                third.sendRaw(frame(hello(TrafficClass.REPLICA)));
                await().atMost(WAIT).until(() -> rb.openInboundConnections() == 1);
            }
        }
        await().atMost(WAIT).until(() -> rb.openInboundConnections() == 0 && b.openInboundConnections() == 0);
    }

    @Test
    void replicaTrafficOnANodesSharedLoopsRunsThereAndLeavesThemRunningWhenItCloses() throws Exception {
        ReplicaPeers.Inbox inboxA = new ReplicaPeers.Inbox();
        ReplicaPeers.Inbox inboxB = new ReplicaPeers.Inbox();
        PeerTransport a = peers.start(settings("a"), new GossipPeers.Inbox());
        PeerTransport b = peers.start(settings("b"), new GossipPeers.Inbox());
        Thread loop;
        try (NetworkLoops shared = NetworkLoops.start("auto", 2)) {
            ReplicaTraffic ra = a.openReplicaTraffic(ReplicaPeers.settings().build(), inboxA, ReplicaPeers.ON_THE_LOOP,
                    shared);
            ReplicaTraffic rb = b.openReplicaTraffic(ReplicaPeers.settings().build(), inboxB, ReplicaPeers.ON_THE_LOOP,
                    shared);
            ra.send(addressOf(b), store("a", addressOf(a), 1, 100));
            await().atMost(WAIT).until(() -> inboxB.size() == 1);
            assertThat(inboxB.all().get(0).thread()).as("read and handled on a shared loop").startsWith("murmur-io");
            rb.send(inboxB.all().get(0).message().getFromAddress(), storeAck("b", addressOf(b), 1));
            await().atMost(WAIT).until(() -> inboxA.size() == 1);
            assertThat(inboxA.all().get(0).thread()).startsWith("murmur-io");
            assertThat(threads("murmur-replica")).as("no loops of its own").isEmpty();

            a.close();
            b.close();
            assertThat(shared.group().submit(() -> Thread.currentThread()).get(5, TimeUnit.SECONDS).getName())
                    .as("the transports leave the shared loops serving").startsWith("murmur-io");
            loop = shared.group().submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
        }
        assertThat(loop.isAlive()).as("closing the shared loops ends their threads").isFalse();
    }

    @Test
    void closeEndsEveryGossipAndReplicaThreadAndLaterSendsAreDropped() {
        ReplicaPeers.Inbox inboxB = new ReplicaPeers.Inbox();
        PeerTransport a = peers.start(settings("a").ioThreads(2), new GossipPeers.Inbox());
        PeerTransport b = peers.start(settings("b"), new GossipPeers.Inbox());
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings().ioThreads(3), new ReplicaPeers.Inbox());
        ReplicaPeers.open(b, ReplicaPeers.settings(), inboxB);
        ra.send(addressOf(b), store("a", addressOf(a), 1, 10));
        a.send(addressOf(b), ping("a", addressOf(a), 1));
        await().atMost(WAIT).until(() -> inboxB.size() == 1);
        assertThat(threads("murmur-replica")).isNotEmpty();
        assertThat(threads("murmur-gossip")).isNotEmpty();

        String addressB = addressOf(b);
        a.close();
        b.close();
        assertThat(threads("murmur-replica")).as("close waits for the replica threads").isEmpty();
        assertThat(threads("murmur-gossip")).as("and for the gossip threads").isEmpty();
        long dropped = ra.counters().messagesDropped();
        ra.send(addressB, store("a", "nowhere:1", 2, 10));
        assertThat(ra.counters().messagesDropped()).isEqualTo(dropped + 1);
        a.close(); // a second close is harmless
    }

    @Test
    void closeFromTheReplicaLoopIsRefused() {
        PeerTransport a = peers.start(settings("a"), new GossipPeers.Inbox());
        PeerTransport b = peers.start(settings("b"), new GossipPeers.Inbox());
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings(), new ReplicaPeers.Inbox());
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        b.openReplicaTraffic(ReplicaPeers.settings().build(), (from, message) -> {
            try {
                b.close();
            } catch (IllegalStateException e) {
                thrown.add(e);
            }
        }, ReplicaPeers.ON_THE_LOOP);
        ra.send(addressOf(b), store("a", addressOf(a), 1, 10));
        await().atMost(WAIT).until(() -> thrown.size() == 1);
        assertThat(thrown.get(0)).hasMessageContaining("own event loop");
    }

    @Test
    void oversizedReplicaMessagesAndUnusableAddressesAreDroppedAndCounted() {
        ReplicaPeers.Inbox inboxB = new ReplicaPeers.Inbox();
        PeerTransport a = peers.start(settings("a"), new GossipPeers.Inbox());
        PeerTransport b = peers.start(settings("b"), new GossipPeers.Inbox());
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings().maxFrameBytes(1 << 20), new ReplicaPeers.Inbox());
        ReplicaPeers.open(b, ReplicaPeers.settings(), inboxB);
        ra.send("b", store("a", addressOf(a), 0, 10));
        ra.send("127.0.0.1:0", store("a", addressOf(a), 0, 10));
        ra.send(addressOf(b), store("a", addressOf(a), 1, (1 << 20) + 1));
        assertThat(ra.counters().messagesDropped()).isEqualTo(3);
        ra.send(addressOf(b), store("a", addressOf(a), 2, (1 << 20) - 200));
        await().atMost(WAIT).until(() -> inboxB.size() == 1);
        assertThat(inboxB.requestIds()).containsExactly(2L);
    }

    @Test
    void settingsHaveDefaultsForDataAndRejectNonsense() {
        ReplicaTraffic.Settings defaults = ReplicaTraffic.Settings.defaults();
        assertThat(defaults.ioThreads()).isEqualTo(2);
        assertThat(defaults.maxFrameBytes()).isEqualTo(16 << 20);
        assertThat(defaults.maxQueuedMessagesPerPeer()).isEqualTo(8192);
        assertThat(defaults.maxQueuedBytesPerPeer()).isEqualTo(64L << 20);
        assertThat(defaults.writeBufferHighWaterBytes()).isEqualTo(8 << 20);
        assertThat(defaults.maxInboundConnections()).isEqualTo(4096);
        assertThat(defaults.maxPendingDeliveryBytes()).isEqualTo(256L << 20);
        assertThat(defaults.connectTimeoutMillis()).isEqualTo(2_000);
        assertThat(defaults.reconnectDelayMinMillis()).isEqualTo(100);
        assertThat(defaults.reconnectDelayMaxMillis()).isEqualTo(5_000);
        assertThat(defaults.idleCloseMillis()).isEqualTo(60_000);
        assertThatThrownBy(() -> ReplicaTraffic.Settings.builder().ioThreads(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ioThreads");
        assertThatThrownBy(() -> ReplicaTraffic.Settings.builder().maxFrameBytes(1 << 20)
                .maxPendingDeliveryBytes(1 << 20).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPendingDeliveryBytes");
        assertThatThrownBy(() -> ReplicaTraffic.Settings.builder().maxQueuedBytesPerPeer(1 << 20).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxQueuedBytesPerPeer");
        assertThatThrownBy(() -> ReplicaTraffic.Settings.builder().reconnectDelayMillis(10, 5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reconnectDelayMaxMillis");
    }

    @Test
    void idleReplicaConnectionsAreClosedAndReopenedWhenNeeded() {
        ReplicaPeers.Inbox inboxB = new ReplicaPeers.Inbox();
        PeerTransport a = peers.start(settings("a"), new GossipPeers.Inbox());
        PeerTransport b = peers.start(settings("b"), new GossipPeers.Inbox());
        ReplicaTraffic ra = ReplicaPeers.open(a, ReplicaPeers.settings().idleCloseMillis(200), new ReplicaPeers.Inbox());
        ReplicaTraffic rb = ReplicaPeers.open(b, ReplicaPeers.settings(), inboxB);
        ra.send(addressOf(b), store("a", addressOf(a), 1, 10));
        await().atMost(WAIT).until(() -> inboxB.size() == 1);
        await().atMost(WAIT).until(() -> ra.openOutboundConnections() == 0 && rb.openInboundConnections() == 0);
        ra.send(addressOf(b), store("a", addressOf(a), 2, 10));
        await().atMost(WAIT).until(() -> inboxB.size() == 2);
        assertThat(ra.counters().messagesDropped()).isZero();
    }

}
