package io.murmur.transport;

import io.murmur.proto.peer.GossipMessage;
import io.murmur.proto.peer.MemberState;
import io.murmur.proto.peer.PingAck;
import io.murmur.testing.RawClient;
import io.murmur.transport.GossipPeers.Inbox;
import io.murmur.transport.GossipPeers.Received;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.LongStream;

import static io.murmur.transport.GossipPeers.addressOf;
import static io.murmur.transport.GossipPeers.ping;
import static io.murmur.transport.GossipPeers.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two or more gossip transports on loopback, talking as nodes do. */
class PeerTransportTest {
    final GossipPeers peers = new GossipPeers();

    @AfterEach
    void closeAll() {
        peers.close();
    }

    @Test
    void twoTransportsExchangeMessagesBothWaysEachOnItsOwnOutboundConnection() {
        Inbox inboxA = new Inbox();
        Inbox inboxB = new Inbox();
        PeerTransport a = peers.start(settings("a"), inboxA);
        PeerTransport b = peers.start(settings("b"), inboxB);

        GossipMessage question = ping("a", addressOf(a), 7);
        a.send(addressOf(b), question);
        await().atMost(Duration.ofSeconds(10)).until(() -> inboxB.size() == 1);
        Received atB = inboxB.all().get(0);
        assertThat(atB.message()).isEqualTo(question);
        assertThat(atB.from()).as("the connection's remote address, not A's peer port")
                .startsWith("127.0.0.1:").isNotEqualTo(addressOf(a));
        assertThat(atB.thread()).startsWith("murmur-gossip");

        // B answers where the message says, on a connection of its own
        GossipMessage answer = GossipMessage.newBuilder().setFrom("b").setFromAddress(addressOf(b))
                .setPingAck(PingAck.newBuilder().setSeq(atB.message().getPing().getSeq()).setHeartbeat(42)).build();
        b.send(atB.message().getFromAddress(), answer);
        await().atMost(Duration.ofSeconds(10)).until(() -> inboxA.size() == 1);
        assertThat(inboxA.all().get(0).message()).isEqualTo(answer);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(a.openOutboundConnections()).isEqualTo(1);
            assertThat(a.openInboundConnections()).isEqualTo(1);
            assertThat(b.openOutboundConnections()).isEqualTo(1);
            assertThat(b.openInboundConnections()).isEqualTo(1);
            PeerTransport.Counters ca = a.counters();
            assertThat(ca.messagesSent()).isEqualTo(1);
            assertThat(ca.messagesReceived()).isEqualTo(1);
            assertThat(ca.messagesDropped()).isZero();
            assertThat(ca.bytesSent()).isGreaterThan(question.getSerializedSize());
            assertThat(b.counters().bytesReceived()).isEqualTo(ca.bytesSent());
        });
    }

    @Test
    void nioAndEpollTransportsTalkToEachOther() {
        Inbox inboxA = new Inbox();
        Inbox inboxB = new Inbox();
        PeerTransport a = peers.start(settings("a").transport("nio"), inboxA);
        PeerTransport b = peers.start(settings("b"), inboxB);
        assertThat(a.transportName()).isEqualTo("nio");
        a.send(addressOf(b), ping("a", addressOf(a), 1));
        b.send(addressOf(a), ping("b", addressOf(b), 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> inboxA.size() == 1 && inboxB.size() == 1);
        assertThat(inboxA.pingSeqs()).containsExactly(2L);
        assertThat(inboxB.pingSeqs()).containsExactly(1L);
    }

    @Test
    void aBurstArrivesCompleteAndInOrderOnOneConnection() {
        Inbox inboxB = new Inbox();
        int total = 10_000;
        PeerTransport a = peers.start(settings("a").maxQueuedMessagesPerPeer(total), new Inbox());
        PeerTransport b = peers.start(settings("b"), inboxB);
        for (long i = 0; i < total; i++) {
            a.send(addressOf(b), ping("a", addressOf(a), i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> inboxB.size() == total);
        assertThat(inboxB.pingSeqs()).isEqualTo(LongStream.range(0, total).boxed().toList());
        assertThat(inboxB.all().stream().map(Received::from).distinct()).hasSize(1);
        assertThat(a.counters().messagesDropped()).isZero();
        assertThat(b.openInboundConnections()).isEqualTo(1);
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfWaiting() {
        // nothing listens on a freed port: everything waits in the queue, then is dropped
        PeerTransport a = peers.start(settings("a").maxQueuedMessagesPerPeer(4), new Inbox());
        String nowhere = GossipPeers.address(a.localAddress()).replaceAll(":\\d+$", ":" + freePort());
        for (int i = 0; i < 100; i++) {
            a.send(nowhere, ping("a", addressOf(a), i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> a.counters().messagesDropped() == 100);
        assertThat(a.counters().messagesSent()).isZero();
    }

    @Test
    void aTransportOfAnotherClusterIsRefusedAndGoodPeersAreStillServed() {
        Inbox inboxB = new Inbox();
        PeerTransport b = peers.start(settings("b"), inboxB);
        PeerTransport stranger = peers.start(settings("other-cluster", "x", 0), new Inbox());
        stranger.send(addressOf(b), ping("x", addressOf(stranger), 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.counters().connectionsRejected() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.openInboundConnections() == 0);

        PeerTransport a = peers.start(settings("a"), new Inbox());
        a.send(addressOf(b), ping("a", addressOf(a), 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> inboxB.size() == 1);
        assertThat(inboxB.all()).extracting(r -> r.message().getFrom()).containsExactly("a");
        assertThat(b.counters().messagesReceived()).isEqualTo(1);
    }

    @Test
    void aPeerThatClosesAtOnceIsRetriedWithBackoffNotAtTheSendRate() throws InterruptedException {
        // the stranger's hello is refused each time; reconnect delays are 20, 40, 80, 160, 200, 200 ms...
        PeerTransport b = peers.start(settings("b"), new Inbox());
        PeerTransport stranger = peers.start(settings("other-cluster", "x", 0), new Inbox());
        long until = System.nanoTime() + Duration.ofMillis(1_500).toNanos();
        int sent = 0;
        while (System.nanoTime() < until) {
            stranger.send(addressOf(b), ping("x", addressOf(stranger), sent++));
            Thread.sleep(5);
        }
        assertThat(sent).isGreaterThan(100);
        await().atMost(Duration.ofSeconds(5)).until(() -> b.openInboundConnections() == 0);
        assertThat(b.counters().connectionsRejected()).isBetween(2L, 15L);
    }

    @Test
    void sendingWhereNothingListensNeitherThrowsNorBlocksAndMessagesFlowOnceAListenerAppears() {
        int port = freePort();
        String target = "127.0.0.1:" + port;
        PeerTransport a = peers.start(settings("a"), new Inbox());
        long t0 = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            a.send(target, ping("a", addressOf(a), i));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("send never waits").isLessThan(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.counters().connectFailures() >= 1
                && a.counters().messagesDropped() == 50);
        // and so is every later one, backing off or trying again, while nothing listens
        a.send(target, ping("a", addressOf(a), 50));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.counters().messagesDropped() >= 51);

        Inbox inboxB = new Inbox();
        PeerTransport b = peers.start(settings(GossipPeers.CLUSTER, "b", port), inboxB);
        assertThat(b.localAddress().getPort()).isEqualTo(port);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            a.send(target, ping("a", addressOf(a), 1000));
            return inboxB.size() > 0;
        });
        assertThat(inboxB.all().get(0).message().getPing().getSeq()).isEqualTo(1000);
        assertThat(a.openOutboundConnections()).isEqualTo(1);
    }

    @Test
    void unusableAddressesAndOversizedMessagesAreDroppedAndCountedWithoutHarmingTheConnection() {
        Inbox inboxB = new Inbox();
        PeerTransport a = peers.start(settings("a").maxFrameBytes(1024), new Inbox());
        PeerTransport b = peers.start(settings("b"), inboxB);
        List<String> unusable = List.of("", "b", "b:", "127.0.0.1:0", "127.0.0.1:70000", "::1:7001");
        for (String to : unusable) {
            a.send(to, ping("a", addressOf(a), 1));
        }
        assertThat(a.counters().messagesDropped()).isEqualTo(unusable.size());

        a.send(addressOf(b), ping("a", addressOf(a), 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> inboxB.size() == 1);
        GossipMessage huge = ping("a", addressOf(a), 2).toBuilder()
                .addNews(MemberState.newBuilder().setNodeId("x".repeat(2000))).build();
        a.send(addressOf(b), huge);
        assertThat(a.counters().messagesDropped()).isEqualTo(unusable.size() + 1);
        a.send(addressOf(b), ping("a", addressOf(a), 3));
        await().atMost(Duration.ofSeconds(10)).until(() -> inboxB.size() == 2);
        assertThat(inboxB.pingSeqs()).containsExactly(1L, 3L);
        assertThat(b.counters().connectionsRejected()).isZero();
    }

    @Test
    void idleOutboundConnectionsAreClosedAndReopenedWhenNeeded() {
        Inbox inboxB = new Inbox();
        PeerTransport a = peers.start(settings("a").idleCloseMillis(200), new Inbox());
        PeerTransport b = peers.start(settings("b"), inboxB);
        a.send(addressOf(b), ping("a", addressOf(a), 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> inboxB.size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.openOutboundConnections() == 0
                && b.openInboundConnections() == 0);
        a.send(addressOf(b), ping("a", addressOf(a), 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> inboxB.size() == 2);
        assertThat(a.counters().messagesDropped()).isZero();
    }

    @Test
    void inboundConnectionsOverTheLimitAreClosedAtOnce() throws Exception {
        PeerTransport b = peers.start(settings("b").maxInboundConnections(2), new Inbox());
        try (RawClient first = new RawClient(b.localAddress());
             RawClient second = new RawClient(b.localAddress())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> b.openInboundConnections() == 2);
            try (RawClient third = new RawClient(b.localAddress())) {
                assertThat(third.closedByPeer()).isTrue();
            }
            assertThat(b.counters().connectionsRefused()).isEqualTo(1);
            first.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> b.openInboundConnections() == 1);
            try (RawClient fourth = new RawClient(b.localAddress())) {
                fourth.setReadTimeoutMillis(300);
                assertThat(fourth.closedByPeer()).as("accepted again under the limit").isFalse();
            }
        }
    }

    @Test
    void messagesCanBeDeliveredOnAnExecutorTheWiringChooses() {
        ExecutorService core = Executors.newSingleThreadExecutor(r -> new Thread(r, "membership-core"));
        try {
            Inbox inboxB = new Inbox();
            PeerTransport a = peers.start(settings("a"), new Inbox());
            PeerTransport b = PeerTransport.start(settings("b").build(), inboxB, core);
            try {
                a.send(addressOf(b), ping("a", addressOf(a), 1));
                await().atMost(Duration.ofSeconds(10)).until(() -> inboxB.size() == 1);
                assertThat(inboxB.all().get(0).thread()).isEqualTo("membership-core");
            } finally {
                b.close();
            }
        } finally {
            core.shutdownNow();
        }
    }

    @Test
    void closeLeavesNoGossipThreadsAndLaterSendsAreDropped() {
        Inbox inboxB = new Inbox();
        PeerTransport a = peers.start(settings("a").ioThreads(2), new Inbox());
        PeerTransport b = peers.start(settings("b"), inboxB);
        a.send(addressOf(b), ping("a", addressOf(a), 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> inboxB.size() == 1);
        assertThat(gossipThreads()).isNotEmpty();

        String addressB = addressOf(b);
        a.close();
        b.close();
        assertThat(gossipThreads()).as("close waits for its threads").isEmpty();
        long dropped = a.counters().messagesDropped();
        a.send(addressB, ping("a", "nowhere:1", 2));
        assertThat(a.counters().messagesDropped()).isEqualTo(dropped + 1);
        a.close(); // a second close is harmless
    }

    private static List<String> gossipThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("murmur-gossip"))
                .toList();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
