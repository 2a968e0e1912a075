package io.murmur.transport;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogTextTest {
    @Test
    void controlCharactersAreEscapedAndLongTextIsCut() {
        assertThat(LogText.printable("test-cluster")).isEqualTo("test-cluster");
        assertThat(LogText.printable("a\nWARN forged\u001b[2J")).isEqualTo("a\\u000aWARN forged\\u001b[2J");
        assertThat(LogText.printable("x".repeat(1000))).hasSize(LogText.MAX_CHARS + 1).endsWith("…");
    }
}
