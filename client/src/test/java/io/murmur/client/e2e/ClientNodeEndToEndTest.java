package io.murmur.client.e2e;

import io.murmur.client.BlockingMurmurClient;
import io.murmur.client.CausalContext;
import io.murmur.client.GetResult;
import io.murmur.client.InvalidRequestException;
import io.murmur.client.MurmurClient;
import io.murmur.client.Sibling;
import io.murmur.client.TooLargeException;
import io.murmur.server.NodeAssembly;
import io.murmur.testing.TestNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java client against a real node over a real socket on an ephemeral port. */
class ClientNodeEndToEndTest {
    @TempDir
    Path dir;
    NodeAssembly node;
    MurmurClient client;
    BlockingMurmurClient db;

    @BeforeEach
    void start() throws Exception {
        node = TestNodes.start(dir, Map.of("node.id", "e2e", "limits.max_value_bytes", 64 * 1024));
        client = MurmurClient.builder()
                .hosts("127.0.0.1:" + node.clientAddress().getPort())
                .requestTimeout(Duration.ofSeconds(10))
                .build();
        db = client.blocking();
    }

    @AfterEach
    void stop() {
        client.close();
        node.close();
    }

    private static String text(Sibling s) {
        return new String(s.value(), StandardCharsets.UTF_8);
    }

    @Test
    void putGetDeleteRoundTrip() {
        CausalContext written = db.put("user:1", "ada");
        assertThat(written.isEmpty()).isFalse();

        GetResult read = db.get("user:1");
        assertThat(read.found()).isTrue();
        assertThat(read.siblings()).extracting(ClientNodeEndToEndTest::text).containsExactly("ada");

        db.delete("user:1", read.context());
        GetResult afterDelete = db.get("user:1");
        assertThat(afterDelete.found()).isFalse();

        db.put("user:1", "grace", afterDelete.context());
        assertThat(db.get("user:1").siblings()).extracting(ClientNodeEndToEndTest::text).containsExactly("grace");
    }

    @Test
    void concurrentWritersFromOneReadBecomeSiblingsUntilAWriteWithTheMergedContext() {
        db.put("cart", "[]");
        CausalContext seen = db.get("cart").context();
        db.put("cart", "[apple]", seen);
        db.put("cart", "[pear]", seen);

        GetResult conflict = db.get("cart");
        assertThat(conflict.siblings()).extracting(ClientNodeEndToEndTest::text)
                .containsExactlyInAnyOrder("[apple]", "[pear]");

        db.put("cart", "[apple, pear]", conflict.context());
        assertThat(db.get("cart").siblings()).extracting(ClientNodeEndToEndTest::text).containsExactly("[apple, pear]");
    }

    @Test
    void theContextOfAPutSupersedesOnlyThatPut() {
        CausalContext first = db.put("k", "one");
        db.put("k", "two", first);
        assertThat(db.get("k").siblings()).extracting(ClientNodeEndToEndTest::text).containsExactly("two");
    }

    @Test
    void manyPipelinedAsyncRequestsAllComplete() throws Exception {
        List<CompletableFuture<CausalContext>> puts = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            puts.add(client.put("p" + i, "v" + i));
        }
        CompletableFuture.allOf(puts.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 2_000; i += 97) {
            assertThat(text(db.get("p" + i).siblings().get(0))).isEqualTo("v" + i);
        }
    }

    @Test
    void errorsArriveAsTypedExceptionsAndChangeNothing() {
        assertThatThrownBy(() -> db.put("big".getBytes(StandardCharsets.UTF_8), new byte[64 * 1024 + 1]))
                .isInstanceOf(TooLargeException.class);
        assertThat(db.get("big").found()).isFalse();
        assertThatThrownBy(() -> db.put("bigger".getBytes(StandardCharsets.UTF_8), new byte[1 << 20]))
                .as("a value over the node's frame limit is refused as TOO_LARGE too")
                .isInstanceOf(TooLargeException.class);
        assertThat(db.get("bigger").found()).isFalse();
        assertThatThrownBy(() -> db.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8),
                CausalContext.EMPTY, io.murmur.client.PutOptions.withW(4)))
                .isInstanceOf(InvalidRequestException.class);
        assertThat(db.ping()).isPositive();
    }

    @Test
    void requestsPipelinedBehindARefusedFrameAreResentAndSucceed() throws Exception {
        CompletableFuture<CausalContext> refused = client.put("huge".getBytes(StandardCharsets.UTF_8), new byte[1 << 20]);
        List<CompletableFuture<CausalContext>> behind = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            behind.add(client.put("after" + i, "v" + i));
        }
        assertThatThrownBy(refused::join).hasCauseInstanceOf(TooLargeException.class);
        CompletableFuture.allOf(behind.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 50; i++) {
            assertThat(db.get("after" + i).siblings()).as("written exactly once").hasSize(1);
        }
    }

    @Test
    void clusterInfoDescribesTheNode() {
        var info = db.clusterInfo();
        assertThat(info.getNodeId()).isEqualTo("e2e");
        assertThat(info.getMembersList()).hasSize(1);
    }
}
