package io.murmur.transport;

import io.murmur.proto.peer.PeerFrame;
import io.murmur.proto.peer.TrafficClass;
import io.murmur.testing.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.murmur.transport.GossipPeers.addressOf;
import static io.murmur.transport.GossipPeers.ping;
import static io.murmur.transport.GossipPeers.settings;
import static io.murmur.transport.ReplicaPeers.concat;
import static io.murmur.transport.ReplicaPeers.frame;
import static io.murmur.transport.ReplicaPeers.hello;
import static io.murmur.transport.ReplicaPeers.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Raw sockets send the peer port replica traffic that a peer never would, or mix the
 * traffic classes. Each such connection is closed by the node, the handlers see nothing of
 * it, and the node goes on serving good peers of both classes.
 */
class ReplicaBadInputTest {
    /** Long enough that a prompt close is the protocol check, not the hello timeout. */
    static final long HELLO_TIMEOUT_MILLIS = 3_000;
    /** Well under the hello timeout. */
    static final int PROMPT_MILLIS = 1_500;
    static final int REPLICA_MAX_FRAME = 4 << 20;

    final GossipPeers peers = new GossipPeers();
    final GossipPeers.Inbox gossipInbox = new GossipPeers.Inbox();
    final ReplicaPeers.Inbox replicaInbox = new ReplicaPeers.Inbox();
    PeerTransport node;
    ReplicaTraffic replica;

    @BeforeEach
    void startNode() {
        node = peers.start(settings("b").helloTimeoutMillis(HELLO_TIMEOUT_MILLIS), gossipInbox);
        replica = ReplicaPeers.open(node, ReplicaPeers.settings().maxFrameBytes(REPLICA_MAX_FRAME), replicaInbox);
    }

    @AfterEach
    void closeAll() {
        peers.close();
    }

    long rejected() {
        return node.counters().connectionsRejected() + replica.counters().connectionsRejected();
    }

    /** Sends {@code bytes} and asserts the node closes the connection well before the hello timeout. */
    void assertClosedPromptlyAfter(byte[] bytes) throws IOException {
        long before = rejected();
        try (RawClient raw = new RawClient(node.localAddress())) {
            raw.sendRaw(bytes);
            raw.setReadTimeoutMillis(PROMPT_MILLIS);
            assertThat(raw.closedByPeer()).as("closed by the node").isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> rejected() == before + 1);
    }

    /** A good transport's gossip and replica messages still reach the node, and nothing the raw sockets sent. */
    void assertStillServesGoodPeers() {
        PeerTransport good = peers.start(settings("good"), new GossipPeers.Inbox());
        ReplicaTraffic goodReplica = ReplicaPeers.open(good, ReplicaPeers.settings(), new ReplicaPeers.Inbox());
        good.send(addressOf(node), ping("good", addressOf(good), 99));
        goodReplica.send(addressOf(node), store("good", addressOf(good), 99, 100));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                gossipInbox.all().stream().anyMatch(r -> r.message().getFrom().equals("good"))
                        && replicaInbox.all().stream().anyMatch(r -> r.message().getFrom().equals("good")));
        assertThat(gossipInbox.all()).allSatisfy(r -> assertThat(r.message().getFrom()).isNotEqualTo("raw"));
        assertThat(replicaInbox.all()).allSatisfy(r -> assertThat(r.message().getFrom()).isNotEqualTo("raw"));
    }

    static byte[] gossipFrame(long seq) {
        return RawClient.frame(PeerFrame.newBuilder().setGossip(ping("raw", "127.0.0.1:1", seq)).build().toByteArray());
    }

    static byte[] length(long length) {
        return new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
    }

    @Test
    void aFrameOfTheOtherClassClosesTheConnection() throws IOException {
        long replicaRejected = replica.counters().connectionsRejected();
        assertClosedPromptlyAfter(concat(frame(hello(TrafficClass.REPLICA)), gossipFrame(1)));
        assertThat(replica.counters().connectionsRejected()).as("counted by the replica class")
                .isEqualTo(replicaRejected + 1);
        long gossipRejected = node.counters().connectionsRejected();
        assertClosedPromptlyAfter(concat(frame(hello(TrafficClass.GOSSIP)), frame(store("raw", "127.0.0.1:1", 1, 10))));
        assertThat(node.counters().connectionsRejected()).as("counted by the gossip transport")
                .isEqualTo(gossipRejected + 1);
        assertThat(gossipInbox.size() + replicaInbox.size()).isZero();
        assertStillServesGoodPeers();
    }

    @Test
    void aWrongFrameAfterGoodOnesClosesTheConnectionAndTheGoodOnesAreDelivered() throws IOException {
        assertClosedPromptlyAfter(concat(frame(hello(TrafficClass.REPLICA)), frame(store("raw", "127.0.0.1:1", 1, 10)),
                frame(store("raw", "127.0.0.1:1", 2, 10)), gossipFrame(3), frame(store("raw", "127.0.0.1:1", 4, 10))));
        await().atMost(Duration.ofSeconds(5)).until(() -> replicaInbox.size() == 2);
        assertThat(replicaInbox.requestIds()).containsExactly(1L, 2L);
        assertThat(gossipInbox.size()).isZero();
        replicaInbox.received.clear();
        assertStillServesGoodPeers();
    }

    @Test
    void aReplicaFrameBeforeTheHelloAndASecondHelloCloseTheConnection() throws IOException {
        assertClosedPromptlyAfter(frame(store("raw", "127.0.0.1:1", 1, 10)));
        assertClosedPromptlyAfter(concat(frame(hello(TrafficClass.REPLICA)), frame(hello(TrafficClass.REPLICA))));
        assertClosedPromptlyAfter(concat(frame(hello(TrafficClass.REPLICA)), frame(hello(TrafficClass.GOSSIP))));
        assertClosedPromptlyAfter(concat(frame(hello(TrafficClass.REPLICA).setCluster("other"))));
        assertStillServesGoodPeers();
    }

    @Test
    void framesOverTheReplicaLimitCloseTheConnectionFromTheLengthAlone() throws IOException {
        byte[] justOver = new byte[4 + 1000];
        System.arraycopy(length(REPLICA_MAX_FRAME + 1), 0, justOver, 0, 4);
        assertClosedPromptlyAfter(concat(frame(hello(TrafficClass.REPLICA)), justOver));
        assertClosedPromptlyAfter(concat(frame(hello(TrafficClass.REPLICA)), length(0xffff_ffffL)));
        // over the gossip limit (1 MiB) but under the replica one: a replica connection takes it...
        try (RawClient raw = new RawClient(node.localAddress())) {
            raw.sendRaw(concat(frame(hello(TrafficClass.REPLICA)), frame(store("raw", "127.0.0.1:1", 1, 3 << 20))));
            await().atMost(Duration.ofSeconds(10)).until(() -> replicaInbox.size() == 1);
        }
        // ...and a gossip connection does not
        assertClosedPromptlyAfter(concat(frame(hello(TrafficClass.GOSSIP)), length(3 << 20), new byte[1000]));
        replicaInbox.received.clear();
        assertStillServesGoodPeers();
    }

    @Test
    void unparseableFramesAndFramesOfNoKnownKindCloseAReplicaConnection() throws IOException {
        byte[] hello = frame(hello(TrafficClass.REPLICA));
        assertClosedPromptlyAfter(concat(hello, RawClient.frame(new byte[0])));
        assertClosedPromptlyAfter(concat(hello, RawClient.frame(new byte[] {0x4a, 0x01, 0x00})));
        // a replica field whose length runs past the frame
        assertClosedPromptlyAfter(concat(hello, RawClient.frame(new byte[] {0x1a, 0x7f, 0x00})));
        assertClosedPromptlyAfter(concat(hello, RawClient.frame(new byte[] {(byte) 0xff, (byte) 0xff})));
        assertStillServesGoodPeers();
    }

    @Test
    void randomGarbageAfterAReplicaHelloIsAllClosedAndTheNodeSurvives() throws Exception {
        List<RawClient> clients = new ArrayList<>();
        try {
            for (long seed = 0; seed < 40; seed++) {
                SplittableRandom random = new SplittableRandom(seed);
                byte[] garbage = new byte[1 + random.nextInt(8192)];
                random.nextBytes(garbage);
                RawClient raw = new RawClient(node.localAddress());
                clients.add(raw);
                raw.sendRaw(concat(frame(hello(TrafficClass.REPLICA)), garbage));
            }
            for (RawClient raw : clients) {
                assertThat(raw.closedByPeer()).isTrue();
            }
        } finally {
            for (RawClient raw : clients) {
                raw.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() ->
                node.openInboundConnections() == 0 && replica.openInboundConnections() == 0);
        assertThat(replicaInbox.size()).isZero();
        assertStillServesGoodPeers();
    }

    @Test
    void truncatedReplicaStreamsAndMutatedOnesNeverHurtTheNode() throws Exception {
        byte[] good = concat(frame(hello(TrafficClass.REPLICA)), frame(store("raw", "127.0.0.1:1", 1, 300)),
                frame(store("raw", "127.0.0.1:1", 2, 300)));
        List<RawClient> clients = new ArrayList<>();
        try {
            for (long seed = 0; seed < 100; seed++) {
                SplittableRandom random = new SplittableRandom(seed);
                byte[] stream = good.clone();
                for (int flips = random.nextInt(4); flips > 0; flips--) {
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
        await().atMost(Duration.ofSeconds(10)).until(() ->
                node.openInboundConnections() == 0 && replica.openInboundConnections() == 0);
        // a mutation may leave a stream valid, and then it is delivered
        gossipInbox.received.clear();
        replicaInbox.received.clear();
        assertStillServesGoodPeers();
    }
}
