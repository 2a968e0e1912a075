package io.murmur.server;

import com.google.protobuf.ByteString;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.Response;
import io.murmur.proto.client.Sibling;
import io.murmur.testing.RawClient;
import io.murmur.testing.TestNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static io.murmur.testing.Requests.bytes;
import static io.murmur.testing.Requests.clusterInfo;
import static io.murmur.testing.Requests.delete;
import static io.murmur.testing.Requests.get;
import static io.murmur.testing.Requests.hello;
import static io.murmur.testing.Requests.ping;
import static io.murmur.testing.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;

/** The client protocol over a real socket against a real node on RocksDB. */
class ClientProtocolTest {
    @TempDir
    Path dir;
    NodeAssembly node;
    RawClient client;

    @BeforeEach
    void start() throws Exception {
        node = TestNodes.start(dir, java.util.Map.of("node.id", "n1", "cluster.name", "test-cluster"));
        client = new RawClient(node.clientAddress());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        node.close();
    }

    @Test
    void helloReportsProtocolVersionNodeAndCluster() throws Exception {
        Response r = client.call(hello(1, ClientRequests.PROTOCOL_VERSION));
        assertThat(r.getRequestId()).isEqualTo(1);
        assertThat(r.getHello().getProtocolVersion()).isEqualTo(ClientRequests.PROTOCOL_VERSION);
        assertThat(r.getHello().getNodeId()).isEqualTo("n1");
        assertThat(r.getHello().getClusterName()).isEqualTo("test-cluster");
    }

    @Test
    void putThenGetReturnsTheValueAndAContext() throws Exception {
        Response p = client.call(put(1, bytes("k"), bytes("v1"), ByteString.EMPTY));
        assertThat(p.hasPut()).as("%s", p).isTrue();
        assertThat(p.getPut().getContext()).isNotEmpty();

        Response g = client.call(get(2, bytes("k")));
        assertThat(g.getGet().getSiblingsList()).extracting(Sibling::getValue).containsExactly(bytes("v1"));
        assertThat(g.getGet().getContext()).isNotEmpty();
    }

    @Test
    void getOfAKeyNeverWrittenHasNoSiblingsAndNoContext() throws Exception {
        Response g = client.call(get(1, bytes("missing")));
        assertThat(g.hasGet()).isTrue();
        assertThat(g.getGet().getSiblingsCount()).isZero();
        assertThat(g.getGet().getContext()).isEmpty();
    }

    @Test
    void writesWithTheSameStaleContextBecomeSiblingsAndAWriteWithTheMergedContextResolvesThem() throws Exception {
        ByteString ctx0 = client.call(put(1, bytes("k"), bytes("base"), ByteString.EMPTY)).getPut().getContext();
        client.call(put(2, bytes("k"), bytes("left"), ctx0));
        client.call(put(3, bytes("k"), bytes("right"), ctx0));

        Response g = client.call(get(4, bytes("k")));
        assertThat(g.getGet().getSiblingsList()).extracting(Sibling::getValue)
                .containsExactlyInAnyOrder(bytes("left"), bytes("right"));

        client.call(put(5, bytes("k"), bytes("merged"), g.getGet().getContext()));
        Response after = client.call(get(6, bytes("k")));
        assertThat(after.getGet().getSiblingsList()).extracting(Sibling::getValue).containsExactly(bytes("merged"));
    }

    @Test
    void aWriteWithTheContextOfTheLastReadReplacesTheValue() throws Exception {
        client.call(put(1, bytes("k"), bytes("v1"), ByteString.EMPTY));
        ByteString ctx = client.call(get(2, bytes("k"))).getGet().getContext();
        client.call(put(3, bytes("k"), bytes("v2"), ctx));
        assertThat(client.call(get(4, bytes("k"))).getGet().getSiblingsList())
                .extracting(Sibling::getValue).containsExactly(bytes("v2"));
    }

    @Test
    void aWriteWithoutContextIsKeptBesideWhatTheKeyHolds() throws Exception {
        client.call(put(1, bytes("k"), bytes("v1"), ByteString.EMPTY));
        client.call(put(2, bytes("k"), bytes("v2"), ByteString.EMPTY));
        assertThat(client.call(get(3, bytes("k"))).getGet().getSiblingsList())
                .extracting(Sibling::getValue).containsExactlyInAnyOrder(bytes("v1"), bytes("v2"));
    }

    @Test
    void deleteWithContextLeavesOnlyATombstoneAndALaterWriteWithItsContextRevivesTheKey() throws Exception {
        client.call(put(1, bytes("k"), bytes("v1"), ByteString.EMPTY));
        ByteString ctx = client.call(get(2, bytes("k"))).getGet().getContext();
        Response d = client.call(delete(3, bytes("k"), ctx));
        assertThat(d.hasDelete()).as("%s", d).isTrue();

        Response g = client.call(get(4, bytes("k")));
        assertThat(g.getGet().getSiblingsList()).hasSize(1);
        assertThat(g.getGet().getSiblings(0).getTombstone()).isTrue();

        client.call(put(5, bytes("k"), bytes("again"), g.getGet().getContext()));
        assertThat(client.call(get(6, bytes("k"))).getGet().getSiblingsList())
                .extracting(Sibling::getValue).containsExactly(bytes("again"));
    }

    @Test
    void pipelinedRequestsAreAllAnsweredWithTheirOwnIds() throws Exception {
        int n = 500;
        for (int i = 1; i <= n; i++) {
            client.send(i % 2 == 0 ? put(i, bytes("k" + i), bytes("v" + i), ByteString.EMPTY) : ping(i));
        }
        Set<Long> ids = new HashSet<>();
        for (int i = 1; i <= n; i++) {
            Response r = client.read();
            assertThat(r.hasError()).as("%s", r).isFalse();
            ids.add(r.getRequestId());
        }
        assertThat(ids).hasSize(n);
        for (int i = 2; i <= n; i += 2) {
            assertThat(client.call(get(10_000 + i, bytes("k" + i))).getGet().getSiblings(0).getValue())
                    .isEqualTo(bytes("v" + i));
        }
    }

    @Test
    void aBurstOfTwentyThousandPipelinedPingsIsAllAnswered() throws Exception {
        int n = 20_000;
        java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
        for (int i = 1; i <= n; i++) {
            burst.write(RawClient.frame(ping(i).toByteArray()));
        }
        client.sendRaw(burst.toByteArray());
        for (int i = 1; i <= n; i++) {
            assertThat(client.read().hasPong()).isTrue();
        }
    }

    @Test
    void clusterInfoListsThisNodeWithItsRealPort() throws Exception {
        Response r = client.call(clusterInfo(1));
        assertThat(r.getClusterInfo().getNodeId()).isEqualTo("n1");
        assertThat(r.getClusterInfo().getMembersList()).hasSize(1);
        assertThat(r.getClusterInfo().getMembers(0).getClientPort()).isEqualTo(node.clientAddress().getPort());
        assertThat(r.getClusterInfo().getMembers(0).getStatus()).isEqualTo("NORMAL");
    }

    @Test
    void quorumLargerThanTheReplicationFactorIsRefusedAndChangesNothing() throws Exception {
        Response r = client.call(io.murmur.proto.client.Request.newBuilder().setRequestId(1)
                .setPut(io.murmur.proto.client.Put.newBuilder().setKey(bytes("k")).setValue(bytes("v")).setW(4))
                .build());
        assertThat(r.getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(r.getError().getMessage()).contains("w=4").contains("replication factor 3");
        assertThat(client.call(get(2, bytes("k"))).getGet().getSiblingsCount()).isZero();
    }
}
