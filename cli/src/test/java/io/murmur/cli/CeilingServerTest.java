package io.murmur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.murmur.client.CausalContext;
import io.murmur.client.GetResult;
import io.murmur.client.MurmurClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class CeilingServerTest {
    @Test
    void answersWithRepliesOfANodesSize() {
        try (CeilingServer server = CeilingServer.start(300);
             MurmurClient client = MurmurClient.builder().hosts(server.address()).build()) {
            GetResult get = client.blocking().get("k");
            assertThat(get.siblings()).singleElement().satisfies(s -> assertThat(s.valueSize()).isEqualTo(300));
            assertThat(get.context().toByteArray()).hasSize(CeilingServer.CONTEXT_BYTES);

            CausalContext put = client.blocking().put("k", "v");
            assertThat(put.toByteArray()).hasSize(CeilingServer.CONTEXT_BYTES);
            assertThat(client.blocking().delete("k").toByteArray()).hasSize(CeilingServer.CONTEXT_BYTES);
            assertThat(client.blocking().ping()).isPositive();
            assertThat(client.blocking().clusterInfo().getClusterName()).isEqualTo("ceiling");
        }
    }

    @Test
    void matchesPipelinedRequestsById() {
        try (CeilingServer server = CeilingServer.start(10);
             MurmurClient client = MurmurClient.builder().hosts(server.address()).build()) {
            List<CompletableFuture<?>> futures = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                futures.add(i % 2 == 0 ? client.get("k" + i) : client.put("k" + i, "v"));
            }
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).join();
            for (int i = 0; i < 1000; i++) {
                Object result = futures.get(i).join();
                assertThat(result).isInstanceOf(i % 2 == 0 ? GetResult.class : CausalContext.class);
            }
        }
    }
}
