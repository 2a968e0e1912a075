package io.murmur.sim.experiments;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs against a real redis-server when one is on the PATH; skipped otherwise. */
class RedisTableTest {
    @Test
    void theRedisTableAnswersAsTheTableDoesBeforeAndAfterFailures() throws IOException {
        Optional<Path> binary = RedisServer.findOnPath();
        assumeTrue(binary.isPresent(), "redis-server not on the PATH");
        String[] ids = {"node-0000", "node-0001", "node-0002", "node-0003", "node-0004"};
        long[] keys = Keys.randomHashes(21, 2_000);
        TableRouter table = new TableRouter(ids, keys);
        try (RedisServer server = RedisServer.start(binary.get());
             RedisTableRouter redis = new RedisTableRouter(table, server)) {
            for (long k : keys) {
                assertThat(redis.route(k)).isEqualTo(table.route(k));
            }
            BitSet failed = new BitSet();
            failed.set(1);
            failed.set(3);
            assertThatThrownBy(() -> redis.setFailed(failed)).isInstanceOf(IllegalStateException.class);
            table.setFailed(failed);
            redis.setFailed(failed);
            for (long k : keys) {
                String node = redis.route(k);
                assertThat(node).isEqualTo(table.route(k)).isNotIn("node-0001", "node-0003");
            }
            assertThat(redis.routeBatch(keys, 1_990, 20)).isEqualTo(table.routeBatch(keys, 1_990, 20));
            try (RespClient c = server.connect()) {
                assertThat(c.command("DBSIZE")).isEqualTo(2_000L);
                assertThatThrownBy(() -> c.command("NOSUCHCOMMAND")).isInstanceOf(RespClient.RedisError.class);
                assertThat(c.get(new byte[] {'n', 'o', 'p', 'e'})).isNull();
            }
        }
    }

    @Test
    void redisKeysAreFixedWidthHex() {
        assertThat(new String(RedisTableRouter.redisKey(0x1fL), StandardCharsets.US_ASCII))
                .isEqualTo("k:000000000000001f");
        assertThat(new String(RedisTableRouter.redisKey(-1L), StandardCharsets.US_ASCII))
                .isEqualTo("k:ffffffffffffffff");
    }
}
