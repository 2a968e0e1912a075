package io.murmur.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.Get;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.murmur.testing.RawClient;
import io.murmur.testing.TestNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static io.murmur.testing.Requests.bytes;
import static io.murmur.testing.Requests.get;
import static io.murmur.testing.Requests.hello;
import static io.murmur.testing.Requests.ping;
import static io.murmur.testing.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of bad input gets its typed error, changes nothing, and leaves the node
 * serving other connections.
 */
class BadInputTest {
    static final int MAX_VALUE = 4096;

    @TempDir
    Path dir;
    NodeAssembly node;
    RawClient bystander;

    @BeforeEach
    void start() throws Exception {
        node = TestNodes.start(dir, Map.of("limits.max_value_bytes", MAX_VALUE));
        bystander = new RawClient(node.clientAddress());
        assertThat(bystander.call(ping(1)).hasPong()).isTrue();
    }

    @AfterEach
    void stop() throws Exception {
        bystander.close();
        node.close();
    }

    private void assertNodeStillServesOthers() throws Exception {
        assertThat(bystander.call(ping(99)).getPong().getPayload()).isEqualTo(bytes("p99"));
        try (RawClient fresh = new RawClient(node.clientAddress())) {
            assertThat(fresh.call(ping(7)).hasPong()).isTrue();
        }
    }

    private void assertNothingStoredAt(ByteString key) throws Exception {
        try (RawClient c = new RawClient(node.clientAddress())) {
            assertThat(c.call(get(5, key)).getGet().getSiblingsCount()).isZero();
        }
    }

    @Test
    void keyOverTheLimitIsTooLargeAndTheConnectionStaysOpen() throws Exception {
        ByteString key = ByteString.copyFrom(new byte[64 * 1024 + 1]);
        try (RawClient c = new RawClient(node.clientAddress())) {
            Response r = c.call(put(1, key, bytes("v"), ByteString.EMPTY));
            assertThat(r.getRequestId()).isEqualTo(1);
            assertThat(r.getError().getCode()).isEqualTo(ErrorCode.TOO_LARGE);
            assertThat(r.getError().getMessage()).contains("limits.max_key_bytes");
            assertThat(c.call(ping(2)).hasPong()).as("same connection still usable").isTrue();
            assertThat(c.call(get(3, key)).getError().getCode()).isEqualTo(ErrorCode.TOO_LARGE);
        }
        assertNodeStillServesOthers();
    }

    @Test
    void valueOverTheLimitIsTooLargeAndNothingIsStored() throws Exception {
        try (RawClient c = new RawClient(node.clientAddress())) {
            Response r = c.call(put(1, bytes("big"), ByteString.copyFrom(new byte[MAX_VALUE + 1]), ByteString.EMPTY));
            assertThat(r.getError().getCode()).isEqualTo(ErrorCode.TOO_LARGE);
            assertThat(r.getError().getMessage()).contains("limits.max_value_bytes");
            Response ok = c.call(put(2, bytes("fits"), ByteString.copyFrom(new byte[MAX_VALUE]), ByteString.EMPTY));
            assertThat(ok.hasPut()).as("a value at the limit is accepted").isTrue();
        }
        assertNothingStoredAt(bytes("big"));
        assertNodeStillServesOthers();
    }

    @Test
    void frameOverTheLimitIsTooLargeForItsRequestIdThenClosedBeforeItsBytesArrive() throws Exception {
        try (RawClient c = new RawClient(node.clientAddress())) {
            // the length says 2 GiB; only the start of the request follows
            c.sendRaw(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x08, (byte) 0x96, 0x01, 0x1a, 0x05});
            Response r = c.read();
            assertThat(r.getError().getCode()).isEqualTo(ErrorCode.TOO_LARGE);
            assertThat(r.getRequestId()).as("the id read from the frame's first bytes").isEqualTo(150);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertNodeStillServesOthers();
    }

    @Test
    void aWholeOversizedFrameStillGetsItsErrorBeforeTheConnectionCloses() throws Exception {
        byte[] huge = put(1, bytes("huge"), ByteString.copyFrom(new byte[3 << 20]), ByteString.EMPTY).toByteArray();
        try (RawClient c = new RawClient(node.clientAddress())) {
            c.sendFrame(huge);
            Response r = c.read();
            assertThat(r.getError().getCode()).isEqualTo(ErrorCode.TOO_LARGE);
            assertThat(r.getRequestId()).isEqualTo(1);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertNothingStoredAt(bytes("huge"));
        assertNodeStillServesOthers();
    }

    @Test
    void undecodableFrameIsInvalidRequestThenClosed() throws Exception {
        try (RawClient c = new RawClient(node.clientAddress())) {
            c.sendFrame(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f});
            Response r = c.read();
            assertThat(r.getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertNodeStillServesOthers();
    }

    @Test
    void truncatedRequestInsideAFrameIsInvalidRequestThenClosed() throws Exception {
        byte[] whole = put(1, bytes("truncated"), bytes("value-value-value"), ByteString.EMPTY).toByteArray();
        try (RawClient c = new RawClient(node.clientAddress())) {
            c.sendFrame(Arrays.copyOf(whole, whole.length - 5));
            Response r = c.read();
            assertThat(r.getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertNothingStoredAt(bytes("truncated"));
        assertNodeStillServesOthers();
    }

    @Test
    void connectionDroppedMidFrameLeavesTheNodeServing() throws Exception {
        byte[] whole = put(1, bytes("half"), bytes("v"), ByteString.EMPTY).toByteArray();
        try (RawClient c = new RawClient(node.clientAddress())) {
            c.sendRaw(new byte[] {0, 0, 0, (byte) whole.length});
            c.sendRaw(Arrays.copyOf(whole, whole.length / 2));
        }
        assertNothingStoredAt(bytes("half"));
        assertNodeStillServesOthers();
    }

    @Test
    void requestWithoutOperationIsInvalidRequestThenClosed() throws Exception {
        try (RawClient c = new RawClient(node.clientAddress())) {
            Response r = c.call(Request.newBuilder().setRequestId(42).build());
            assertThat(r.getRequestId()).isEqualTo(42);
            assertThat(r.getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertNodeStillServesOthers();
    }

    @Test
    void unknownOperationIsInvalidRequestThenClosed() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        out.writeUInt64(1, 43);
        out.writeBytes(77, bytes("an operation from the future"));
        out.flush();
        try (RawClient c = new RawClient(node.clientAddress())) {
            c.sendFrame(buf.toByteArray());
            Response r = c.read();
            assertThat(r.getRequestId()).isEqualTo(43);
            assertThat(r.getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertNodeStillServesOthers();
    }

    @Test
    void missingKeyIsInvalidRequestThenClosed() throws Exception {
        try (RawClient c = new RawClient(node.clientAddress())) {
            Response r = c.call(Request.newBuilder().setRequestId(3).setGet(Get.getDefaultInstance()).build());
            assertThat(r.getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(r.getError().getMessage()).contains("key");
            assertThat(c.closedByPeer()).isTrue();
        }
        assertNodeStillServesOthers();
    }

    @Test
    void garbageCausalContextIsInvalidRequestAndNothingIsStored() throws Exception {
        try (RawClient c = new RawClient(node.clientAddress())) {
            Response r = c.call(put(1, bytes("ctx"), bytes("v"), ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5})));
            assertThat(r.getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertNothingStoredAt(bytes("ctx"));
        assertNodeStillServesOthers();
    }

    @Test
    void unsupportedProtocolVersionIsInvalidRequestThenClosed() throws Exception {
        try (RawClient c = new RawClient(node.clientAddress())) {
            Response r = c.call(hello(1, 999));
            assertThat(r.getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(r.getError().getMessage()).contains("999");
            assertThat(c.closedByPeer()).isTrue();
        }
        assertNodeStillServesOthers();
    }
}
