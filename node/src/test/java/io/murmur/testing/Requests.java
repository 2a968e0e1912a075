package io.murmur.testing;

import com.google.protobuf.ByteString;
import io.murmur.proto.client.ClusterInfoRequest;
import io.murmur.proto.client.Delete;
import io.murmur.proto.client.Get;
import io.murmur.proto.client.Hello;
import io.murmur.proto.client.Ping;
import io.murmur.proto.client.Put;
import io.murmur.proto.client.Repair;
import io.murmur.proto.client.RepairStatus;
import io.murmur.proto.client.Request;

import java.nio.charset.StandardCharsets;

/** Builders for client-protocol requests in tests. */
public final class Requests {
    private Requests() {
    }

    public static ByteString bytes(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    public static Request hello(long id, int version) {
        return Request.newBuilder().setRequestId(id).setHello(Hello.newBuilder().setProtocolVersion(version)).build();
    }

    public static Request ping(long id) {
        return Request.newBuilder().setRequestId(id).setPing(Ping.newBuilder().setPayload(bytes("p" + id))).build();
    }

    public static Request get(long id, ByteString key) {
        return Request.newBuilder().setRequestId(id).setGet(Get.newBuilder().setKey(key)).build();
    }

    public static Request put(long id, ByteString key, ByteString value, ByteString context) {
        return Request.newBuilder().setRequestId(id)
                .setPut(Put.newBuilder().setKey(key).setValue(value).setContext(context)).build();
    }

    public static Request delete(long id, ByteString key, ByteString context) {
        return Request.newBuilder().setRequestId(id)
                .setDelete(Delete.newBuilder().setKey(key).setContext(context)).build();
    }

    public static Request clusterInfo(long id) {
        return Request.newBuilder().setRequestId(id).setClusterInfo(ClusterInfoRequest.getDefaultInstance()).build();
    }

    /** An on-demand repair of every range the node replicates. */
    public static Request repair(long id) {
        return Request.newBuilder().setRequestId(id).setRepair(Repair.getDefaultInstance()).build();
    }

    public static Request repairStatus(long id) {
        return Request.newBuilder().setRequestId(id).setRepairStatus(RepairStatus.getDefaultInstance()).build();
    }
}
