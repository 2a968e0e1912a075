package io.murmur.transport;

import io.murmur.proto.peer.GossipMessage;
import io.murmur.proto.peer.Ping;
import io.murmur.runtime.PeerNetwork;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Test fixtures for the peer transport: settings on loopback, messages, a recording handler. */
final class GossipPeers implements AutoCloseable {
    static final String CLUSTER = "test-cluster";

    /** One message as the handler saw it, with the thread it ran on. */
    record Received(String from, GossipMessage message, String thread) {
    }

    /** Records every message it is handed. */
    static final class Inbox implements PeerNetwork.Handler<GossipMessage> {
        final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

        @Override
        public void onMessage(String from, GossipMessage message) {
            received.add(new Received(from, message, Thread.currentThread().getName()));
        }

        int size() {
            return received.size();
        }

        List<Received> all() {
            return new ArrayList<>(received);
        }

        List<Long> pingSeqs() {
            return received.stream().map(r -> r.message().getPing().getSeq()).toList();
        }
    }

    private final List<PeerTransport> started = new ArrayList<>();

    /** Settings on an ephemeral loopback port, with reconnect delays short enough for tests. */
    static PeerTransport.Builder settings(String nodeId) {
        return settings(CLUSTER, nodeId, 0);
    }

    /** The same in another cluster or on a given port. */
    static PeerTransport.Builder settings(String cluster, String nodeId, int port) {
        return PeerTransport.Settings.builder("127.0.0.1", port, cluster, nodeId, 1).reconnectDelayMillis(20, 200);
    }

    /** Starts a transport that {@link #close()} closes. */
    PeerTransport start(PeerTransport.Builder settings, Inbox inbox) {
        PeerTransport t = PeerTransport.start(settings.build(), inbox);
        started.add(t);
        return t;
    }

    static String addressOf(PeerTransport t) {
        return address(t.localAddress());
    }

    static String address(InetSocketAddress a) {
        return "127.0.0.1:" + a.getPort();
    }

    /** A ping from {@code from}, answerable at {@code fromAddress}. */
    static GossipMessage ping(String from, String fromAddress, long seq) {
        return GossipMessage.newBuilder().setFrom(from).setFromAddress(fromAddress).setFromGeneration(1)
                .setPing(Ping.newBuilder().setSeq(seq).setTarget("b")).build();
    }

    /** A port nothing listens on (just now). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (PeerTransport t : started) {
            t.close();
        }
        started.clear();
    }
}
