package io.murmur.storage;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ByteKeyTest {

    @Test
    void keysWithTheSameBytesAreEqualWithEqualHashCodes() {
        ByteKey a = ByteKey.copyOf(new byte[] {1, 2, 3});
        ByteKey b = ByteKey.copyOf(new byte[] {1, 2, 3});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(ByteKey.copyOf(new byte[] {1, 2}));
        assertThat(a.length()).isEqualTo(3);
    }

    @Test
    void copyOfIsUnaffectedByLaterChangesToTheArray() {
        byte[] bytes = {1, 2, 3};
        ByteKey key = ByteKey.copyOf(bytes);
        bytes[0] = 9;
        assertThat(key.toByteArray()).containsExactly(1, 2, 3);
        key.toByteArray()[1] = 9;
        assertThat(key.toByteArray()).containsExactly(1, 2, 3);
    }

    @Test
    void orderIsUnsignedLexicographic() {
        ByteKey low = ByteKey.copyOf(new byte[] {0x7f});
        ByteKey high = ByteKey.copyOf(new byte[] {(byte) 0x80});
        ByteKey prefix = ByteKey.copyOf(new byte[0]);
        assertThat(low).isLessThan(high);
        assertThat(prefix).isLessThan(low);
        assertThat(high.compareTo(ByteKey.copyOf(new byte[] {(byte) 0x80}))).isZero();
    }

    @Test
    void textShowsAHexPrefixAndTheLength() {
        assertThat(ByteKey.copyOf(new byte[] {0x0a, (byte) 0xff})).hasToString("0aff (2 bytes)");
        assertThat(ByteKey.copyOf(new byte[40]).toString()).isEqualTo("00".repeat(16) + "... (40 bytes)");
    }
}
