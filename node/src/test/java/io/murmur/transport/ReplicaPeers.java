package io.murmur.transport;

import com.google.protobuf.ByteString;
import io.murmur.proto.ClockEntry;
import io.murmur.proto.RecordMsg;
import io.murmur.proto.VersionMsg;
import io.murmur.proto.peer.PeerFrame;
import io.murmur.proto.peer.PeerHello;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.proto.peer.Store;
import io.murmur.proto.peer.StoreAck;
import io.murmur.proto.peer.StoreKind;
import io.murmur.proto.peer.TrafficClass;
import io.murmur.runtime.PeerNetwork;
import io.murmur.testing.RawClient;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/** Test fixtures for replica traffic: settings, messages, raw frames, a recording handler. */
final class ReplicaPeers {
    private ReplicaPeers() {
    }

    /** Runs the handler on the replica event loop that read the message. */
    static final Executor ON_THE_LOOP = Runnable::run;

    /** One message as the handler saw it, with the thread it ran on. */
    record Received(String from, ReplicaMessage message, String thread) {
    }

    /** Records every message it is handed. */
    static class Inbox implements PeerNetwork.Handler<ReplicaMessage> {
        final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

        @Override
        public void onMessage(String from, ReplicaMessage message) {
            received.add(new Received(from, message, Thread.currentThread().getName()));
        }

        int size() {
            return received.size();
        }

        List<Received> all() {
            return new ArrayList<>(received);
        }

        List<Long> requestIds() {
            return received.stream().map(r -> r.message().getRequestId()).toList();
        }
    }

    /** Replica settings with reconnect delays short enough for tests. */
    static ReplicaTraffic.Builder settings() {
        return ReplicaTraffic.Settings.builder().reconnectDelayMillis(20, 200);
    }

    /** Opens replica traffic on {@code transport}, handled on the replica loops. */
    static ReplicaTraffic open(PeerTransport transport, ReplicaTraffic.Builder settings, Inbox inbox) {
        return transport.openReplicaTraffic(settings.build(), inbox, ON_THE_LOOP);
    }

    /** A write of a value of {@code valueBytes} bytes, from {@code from} answerable at {@code fromAddress}. */
    static ReplicaMessage store(String from, String fromAddress, long requestId, int valueBytes) {
        byte[] value = new byte[valueBytes];
        for (int i = 0; i < valueBytes; i++) {
            value[i] = (byte) (requestId + i);
        }
        VersionMsg version = VersionMsg.newBuilder()
                .setDot(ClockEntry.newBuilder().setNode(from).setCounter(requestId))
                .setValue(ByteString.copyFrom(value)).build();
        return ReplicaMessage.newBuilder().setFrom(from).setFromAddress(fromAddress).setRequestId(requestId)
                .setStore(Store.newBuilder().setKey(ByteString.copyFromUtf8("key-" + requestId))
                        .setKind(StoreKind.WRITE).setRecord(RecordMsg.newBuilder().addVersions(version)))
                .build();
    }

    static ReplicaMessage storeAck(String from, String fromAddress, long requestId) {
        return ReplicaMessage.newBuilder().setFrom(from).setFromAddress(fromAddress).setRequestId(requestId)
                .setStoreAck(StoreAck.newBuilder().setOk(true)).build();
    }

    static PeerHello.Builder hello(TrafficClass traffic) {
        return PeerHello.newBuilder().setProtocolVersion(PeerTransport.PROTOCOL_VERSION)
                .setCluster(GossipPeers.CLUSTER).setNodeId("raw").setGeneration(1).setTraffic(traffic);
    }

    static byte[] frame(PeerHello.Builder hello) {
        return RawClient.frame(PeerFrame.newBuilder().setHello(hello).build().toByteArray());
    }

    static byte[] frame(ReplicaMessage message) {
        return RawClient.frame(PeerFrame.newBuilder().setReplica(message).build().toByteArray());
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    /** Names of live threads starting with {@code prefix}. */
    static List<String> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith(prefix))
                .toList();
    }
}
