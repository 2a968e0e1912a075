package io.murmur.transport;

import io.murmur.proto.peer.GossipMessage;
import io.murmur.proto.peer.PeerFrame;
import io.murmur.proto.peer.PeerHello;
import io.murmur.proto.peer.TrafficClass;
import io.murmur.testing.RawClient;
import io.murmur.transport.GossipPeers.Inbox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.murmur.transport.GossipPeers.CLUSTER;
import static io.murmur.transport.GossipPeers.addressOf;
import static io.murmur.transport.GossipPeers.ping;
import static io.murmur.transport.GossipPeers.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Raw sockets send the gossip port what a peer never would. Each such connection is
 * closed by the node, the handler sees nothing of it, and the node goes on serving good
 * peers.
 */
class PeerBadInputTest {
    /** Long enough that a prompt close is the protocol check, not the hello timeout. */
    static final long HELLO_TIMEOUT_MILLIS = 3_000;
    /** Well under the hello timeout. */
    static final int PROMPT_MILLIS = 1_500;

    final GossipPeers peers = new GossipPeers();
    final Inbox inbox = new Inbox();
    PeerTransport node;

    @BeforeEach
    void startNode() {
        node = peers.start(settings("b").helloTimeoutMillis(HELLO_TIMEOUT_MILLIS).maxFrameBytes(64 * 1024), inbox);
    }

    @AfterEach
    void closeAll() {
        peers.close();
    }

    static PeerHello.Builder goodHello() {
        return PeerHello.newBuilder().setProtocolVersion(PeerTransport.PROTOCOL_VERSION).setCluster(CLUSTER)
                .setNodeId("raw").setGeneration(1).setTraffic(TrafficClass.GOSSIP);
    }

    static byte[] frame(PeerHello.Builder hello) {
        return RawClient.frame(PeerFrame.newBuilder().setHello(hello).build().toByteArray());
    }

    static byte[] frame(GossipMessage gossip) {
        return RawClient.frame(PeerFrame.newBuilder().setGossip(gossip).build().toByteArray());
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    /** Sends {@code bytes} and asserts the node closes the connection well before the hello timeout. */
    void assertClosedPromptlyAfter(byte[] bytes) throws IOException {
        long rejected = node.counters().connectionsRejected();
        try (RawClient raw = new RawClient(node.localAddress())) {
            raw.sendRaw(bytes);
            raw.setReadTimeoutMillis(PROMPT_MILLIS);
            assertThat(raw.closedByPeer()).as("closed by the node").isTrue();
        }
        assertThat(node.counters().connectionsRejected()).isEqualTo(rejected + 1);
    }

    /** A good transport still reaches the node; returns what it received from good peers. */
    void assertStillServesAGoodPeer() {
        PeerTransport good = peers.start(settings("good"), new Inbox());
        good.send(addressOf(node), ping("good", addressOf(good), 99));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> inbox.all().stream().anyMatch(r -> r.message().getFrom().equals("good")));
        assertThat(inbox.all()).allSatisfy(r -> assertThat(r.message().getFrom()).isNotEqualTo("raw"));
    }

    @Test
    void aGossipFrameBeforeTheHelloIsRefused() throws IOException {
        assertClosedPromptlyAfter(frame(ping("raw", "127.0.0.1:1", 1)));
        assertStillServesAGoodPeer();
    }

    @Test
    void anOversizedLengthIsRefusedFromTheLengthAlone() throws IOException {
        assertClosedPromptlyAfter(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        // also after a good hello, and with part of the frame sent
        byte[] justOver = new byte[4 + 1000];
        int length = 64 * 1024 + 1;
        justOver[0] = (byte) (length >>> 24);
        justOver[1] = (byte) (length >>> 16);
        justOver[2] = (byte) (length >>> 8);
        justOver[3] = (byte) length;
        assertClosedPromptlyAfter(concat(frame(goodHello()), justOver));
        assertStillServesAGoodPeer();
    }

    @Test
    void aSecondHelloIsRefusedAfterWhatCameBeforeIt() throws IOException {
        assertClosedPromptlyAfter(concat(frame(goodHello()), frame(ping("raw", "127.0.0.1:1", 1)),
                frame(goodHello())));
        await().atMost(Duration.ofSeconds(5)).until(() -> inbox.size() == 1);
        assertThat(inbox.pingSeqs()).containsExactly(1L);
        inbox.received.clear();
        assertStillServesAGoodPeer();
    }

    @Test
    void hellosThatDoNotFitAreRefused() throws IOException {
        assertClosedPromptlyAfter(frame(goodHello().setCluster("other")));
        assertClosedPromptlyAfter(frame(goodHello().setCluster("")));
        assertClosedPromptlyAfter(frame(goodHello().setProtocolVersion(2)));
        assertClosedPromptlyAfter(frame(goodHello().setProtocolVersion(0)));
        assertClosedPromptlyAfter(frame(goodHello().setTraffic(TrafficClass.TRAFFIC_UNSPECIFIED)));
        assertClosedPromptlyAfter(frame(goodHello().setTrafficValue(7)));
        assertClosedPromptlyAfter(frame(goodHello().setNodeId("")));
        assertStillServesAGoodPeer();
    }

    @Test
    void framesOfNoKnownKindAndUnparseableFramesAreRefused() throws IOException {
        assertClosedPromptlyAfter(RawClient.frame(new byte[0]));
        assertClosedPromptlyAfter(concat(frame(goodHello()), RawClient.frame(new byte[0])));
        // field 9, a kind this node does not know, as a length-delimited field
        assertClosedPromptlyAfter(concat(frame(goodHello()), RawClient.frame(new byte[] {0x4a, 0x01, 0x00})));
        // a gossip field whose length runs past the frame
        assertClosedPromptlyAfter(concat(frame(goodHello()), RawClient.frame(new byte[] {0x12, 0x7f, 0x00})));
        assertClosedPromptlyAfter(concat(frame(goodHello()), RawClient.frame(new byte[] {(byte) 0xff, (byte) 0xff})));
        assertStillServesAGoodPeer();
    }

    @Test
    void aConnectionThatSaysNothingIsClosedAfterTheHelloTimeout() throws IOException {
        try (RawClient raw = new RawClient(node.localAddress())) {
            long t0 = System.nanoTime();
            assertThat(raw.closedByPeer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0))
                    .isGreaterThan(Duration.ofMillis(HELLO_TIMEOUT_MILLIS / 2));
        }
        assertThat(node.counters().connectionsRejected()).isEqualTo(1);
    }

    @Test
    void truncatedFramesAndAbruptClosesHarmNothing() throws IOException {
        byte[] gossip = frame(ping("raw", "127.0.0.1:1", 1));
        byte[] hello = frame(goodHello());
        List<byte[]> cuts = List.of(
                Arrays.copyOf(hello, 2),
                Arrays.copyOf(hello, hello.length - 1),
                concat(hello, Arrays.copyOf(gossip, 3)),
                concat(hello, Arrays.copyOf(gossip, gossip.length - 1)));
        for (byte[] cut : cuts) {
            try (RawClient raw = new RawClient(node.localAddress())) {
                raw.sendRaw(cut);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> node.openInboundConnections() == 0);
        assertThat(inbox.size()).isZero();
        assertStillServesAGoodPeer();
    }

    @Test
    void randomGarbageOnManyConnectionsIsAllClosedAndTheNodeSurvives() throws Exception {
        List<RawClient> clients = new ArrayList<>();
        try {
            for (long seed = 0; seed < 40; seed++) {
                SplittableRandom random = new SplittableRandom(seed);
                byte[] garbage = new byte[1 + random.nextInt(8192)];
                random.nextBytes(garbage);
                RawClient raw = new RawClient(node.localAddress());
                clients.add(raw);
                raw.sendRaw(garbage);
            }
            for (RawClient raw : clients) {
                assertThat(raw.closedByPeer()).isTrue();
            }
        } finally {
            for (RawClient raw : clients) {
                raw.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> node.openInboundConnections() == 0);
        assertThat(inbox.size()).isZero();
        assertStillServesAGoodPeer();
    }

    @Test
    void mutatedAndCutGoodStreamsNeverHurtTheNode() throws Exception {
        byte[] good = concat(frame(goodHello()), frame(ping("raw", "127.0.0.1:1", 1)),
                frame(ping("raw", "127.0.0.1:1", 2)));
        List<RawClient> clients = new ArrayList<>();
        try {
            for (long seed = 0; seed < 100; seed++) {
                SplittableRandom random = new SplittableRandom(seed);
                byte[] stream = good.clone();
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    stream[random.nextInt(stream.length)] = (byte) random.nextInt(256);
                }
                stream = Arrays.copyOf(stream, 1 + random.nextInt(stream.length));
                RawClient raw = new RawClient(node.localAddress());
                raw.sendRaw(stream);
                if (random.nextBoolean()) {
                    raw.close(); // an abrupt end
                } else {
                    clients.add(raw);
                }
            }
        } finally {
            for (RawClient raw : clients) {
                raw.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> node.openInboundConnections() == 0);
        // a mutation may leave a stream valid (a changed ping seq, say), and then it is delivered
        inbox.received.clear();
        assertStillServesAGoodPeer();
    }
}
