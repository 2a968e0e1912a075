package io.murmur.server;

import com.google.protobuf.ByteString;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.murmur.testing.RawClient;
import io.murmur.testing.TestNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.murmur.testing.Requests.bytes;
import static io.murmur.testing.Requests.delete;
import static io.murmur.testing.Requests.get;
import static io.murmur.testing.Requests.hello;
import static io.murmur.testing.Requests.ping;
import static io.murmur.testing.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and mutated frames, a bounded number of them, never take the node down or
 * disturb data written by a well-behaved client. The seed is in every failure message.
 */
class FrameFuzzTest {
    static final long SEED = 0x5eed_f00dL;
    static final int CONNECTIONS = 150;
    static final int FRAMES_PER_CONNECTION = 20;

    @TempDir
    Path dir;

    @Test
    void nodeSurvivesRandomAndMutatedFramesAndKeepsItsData() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        List<byte[]> valid = validFrames();
        try (NodeAssembly node = TestNodes.start(dir, Map.of("limits.max_value_bytes", 8192));
             RawClient witness = new RawClient(node.clientAddress())) {
            assertThat(witness.call(put(1, bytes("witness"), bytes("kept"), ByteString.EMPTY)).hasPut()).isTrue();

            for (int c = 0; c < CONNECTIONS; c++) {
                try (RawClient fuzz = new RawClient(node.clientAddress())) {
                    fuzz.setReadTimeoutMillis(2_000);
                    for (int f = 0; f < FRAMES_PER_CONNECTION; f++) {
                        byte[] frame = switch (random.nextInt(4)) {
                            case 0 -> randomBytes(random, random.nextInt(64));
                            case 1 -> mutate(random, valid.get(random.nextInt(valid.size())));
                            case 2 -> RawClient.frame(randomBytes(random, random.nextInt(200)));
                            default -> RawClient.frame(mutate(random, valid.get(random.nextInt(valid.size()))));
                        };
                        try {
                            fuzz.sendRaw(frame);
                        } catch (IOException closed) {
                            break; // the node closed this connection: expected for bad frames
                        }
                    }
                }
                if (c % 25 == 0) {
                    Response pong = witness.call(ping(1000 + c));
                    assertThat(pong.hasPong()).as("seed %d, after connection %d: %s", SEED, c, pong).isTrue();
                }
            }

            Response r = witness.call(get(2, bytes("witness")));
            assertThat(r.getGet().getSiblingsList()).as("seed %d", SEED).hasSize(1);
            assertThat(r.getGet().getSiblings(0).getValue()).isEqualTo(bytes("kept"));
            try (RawClient after = new RawClient(node.clientAddress())) {
                assertThat(after.call(ping(3)).hasPong()).as("seed %d", SEED).isTrue();
            }
        }
    }

    private static List<byte[]> validFrames() {
        List<Request> requests = List.of(
                hello(1, 1), ping(2), get(3, bytes("fuzz-a")),
                put(4, bytes("fuzz-b"), bytes("value"), ByteString.EMPTY),
                delete(5, bytes("fuzz-c"), ByteString.EMPTY));
        List<byte[]> out = new ArrayList<>();
        for (Request r : requests) {
            out.add(r.toByteArray());
        }
        return out;
    }

    private static byte[] randomBytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] mutate(SplittableRandom random, byte[] original) {
        byte[] b = original.clone();
        int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips && b.length > 0; i++) {
            b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
        }
        if (random.nextInt(4) == 0 && b.length > 1) {
            b = java.util.Arrays.copyOf(b, random.nextInt(b.length));
        }
        return b;
    }
}
