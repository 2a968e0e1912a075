package io.murmur.sim.ycsb;

import io.murmur.client.Sibling;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The record encoding of the YCSB binding, and how siblings merge. */
class FieldCodecTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, byte[]> randomRecord(SplittableRandom random) {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        int count = random.nextInt(0, 20);
        for (int i = 0; i < count; i++) {
            String name = random.nextBoolean() ? "field" + i : "f\u00e9ld-\u4e2d" + i;
            byte[] value = new byte[random.nextBoolean() ? random.nextInt(0, 4) : random.nextInt(0, 400)];
            random.nextBytes(value);
            fields.put(name, value);
        }
        return fields;
    }

    private static void assertSameRecord(Map<String, byte[]> actual, Map<String, byte[]> expected, long seed) {
        assertThat(actual.keySet()).as("seed %d", seed).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((k, v) -> assertThat(actual.get(k)).as("seed %d field %s", seed, k).isEqualTo(v));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void recordsRoundTripAndEveryStrictPrefixIsRejected(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, byte[]> record = randomRecord(random);
        byte[] encoded = FieldCodec.encode(record);
        assertSameRecord(FieldCodec.decode(encoded), record, seed);
        for (int cut = 0; cut < encoded.length; cut++) {
            byte[] prefix = Arrays.copyOf(encoded, cut);
            assertThatThrownBy(() -> FieldCodec.decode(prefix)).as("seed %d, %d of %d bytes", seed, cut, encoded.length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        byte[] longer = Arrays.copyOf(encoded, encoded.length + 1);
        assertThatThrownBy(() -> FieldCodec.decode(longer)).as("seed %d", seed)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after its");
    }

    @Test
    void encodingIsCompactAndTheSameForTheSameFieldsInAnyOrder() {
        Map<String, byte[]> a = new LinkedHashMap<>();
        Map<String, byte[]> z = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            a.put("field" + i, new byte[100]);
            z.put("field" + (9 - i), new byte[100]);
        }
        assertThat(FieldCodec.encode(a)).isEqualTo(FieldCodec.encode(z)).hasSize(1 + 1 + 10 * (1 + 6 + 1 + 100));
        assertThat(FieldCodec.decode(FieldCodec.encode(Map.of()))).isEmpty();
    }

    @Test
    void otherFormatsAndBadLengthsAreRejected() {
        assertThatThrownBy(() -> FieldCodec.decode(new byte[0])).hasMessageContaining("empty");
        assertThatThrownBy(() -> FieldCodec.decode(b("hello"))).hasMessageContaining("first byte 104");
        assertThatThrownBy(() -> FieldCodec.decode(new byte[]{1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                (byte) 0xff, 1})).hasMessageContaining("over 5 bytes");
        assertThatThrownBy(() -> FieldCodec.decode(new byte[]{1, 1, 5, 'a'})).hasMessageContaining("truncated");
    }

    @Test
    void siblingsMergeFieldByFieldTheLatestWriteWinningEachField() {
        Map<String, byte[]> older = new LinkedHashMap<>();
        older.put("field0", b("old0"));
        older.put("field1", b("old1"));
        Map<String, byte[]> newer = new LinkedHashMap<>();
        newer.put("field1", b("new1"));
        newer.put("field2", b("new2"));
        List<Sibling> siblings = List.of(
                Sibling.of(FieldCodec.encode(newer), false, 2_000),
                Sibling.of(new byte[0], true, 3_000), // a tombstone: not a record
                Sibling.of(FieldCodec.encode(older), false, 1_000));
        Map<String, byte[]> merged = FieldCodec.merge(siblings);
        assertThat(merged.keySet()).containsExactlyInAnyOrder("field0", "field1", "field2");
        assertThat(merged.get("field0")).isEqualTo(b("old0"));
        assertThat(merged.get("field1")).isEqualTo(b("new1"));
        assertThat(merged.get("field2")).isEqualTo(b("new2"));

        // same time: the larger encoding wins, whatever order the siblings come in
        Sibling x = Sibling.of(FieldCodec.encode(Map.of("f", b("x"))), false, 5);
        Sibling y = Sibling.of(FieldCodec.encode(Map.of("f", b("y"))), false, 5);
        assertThat(FieldCodec.merge(List.of(x, y)).get("f")).isEqualTo(b("y"));
        assertThat(FieldCodec.merge(List.of(y, x)).get("f")).isEqualTo(b("y"));
        assertThat(FieldCodec.merge(List.of(Sibling.of(new byte[0], true, 1)))).isEmpty();
    }
}
