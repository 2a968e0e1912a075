package io.murmur.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValueTypesTest {
    @Test
    void contextRoundTripsThroughBase64() {
        CausalContext context = CausalContext.of(new byte[] {0, 1, 2, (byte) 0xff});

        assertThat(CausalContext.fromBase64(context.toBase64())).isEqualTo(context);
        assertThat(context.toByteArray()).containsExactly(0, 1, 2, 0xff);
        assertThat(context.isEmpty()).isFalse();
    }

    @Test
    void emptyContextIsEmptyStringInBase64() {
        assertThat(CausalContext.EMPTY.toBase64()).isEmpty();
        assertThat(CausalContext.fromBase64("")).isSameAs(CausalContext.EMPTY);
        assertThat(CausalContext.of(new byte[0])).isSameAs(CausalContext.EMPTY);
    }

    @Test
    void badBase64IsRejected() {
        assertThatThrownBy(() -> CausalContext.fromBase64("not base64!")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void contextCopiesItsInput() {
        byte[] bytes = {1, 2, 3};
        CausalContext context = CausalContext.of(bytes);
        bytes[0] = 9;

        assertThat(context.toByteArray()).containsExactly(1, 2, 3);
    }

    @Test
    void foundMeansAnyLiveSibling() {
        Sibling live = Sibling.of("v".getBytes(StandardCharsets.UTF_8), false, 1);
        Sibling tombstone = Sibling.of(new byte[0], true, 2);

        assertThat(new GetResult(List.of(), CausalContext.EMPTY).found()).isFalse();
        assertThat(new GetResult(List.of(tombstone), CausalContext.EMPTY).found()).isFalse();
        GetResult mixed = new GetResult(List.of(tombstone, live), CausalContext.EMPTY);
        assertThat(mixed.found()).isTrue();
        assertThat(mixed.values()).hasSize(1);
        assertThat(mixed.values().get(0)).isEqualTo("v".getBytes(StandardCharsets.UTF_8));
        assertThat(mixed.siblings()).hasSize(2);
    }

    @Test
    void optionsValidateQuorums() {
        assertThat(GetOptions.DEFAULT.r()).isEmpty();
        assertThat(GetOptions.withR(2).r()).hasValue(2);
        assertThat(PutOptions.withW(3).w()).hasValue(3);
        assertThatThrownBy(() -> GetOptions.withR(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(GetOptions.DEFAULT.verbose()).isFalse();
        GetOptions verbose = GetOptions.withR(2).withVerbose(true);
        assertThat(verbose.verbose()).isTrue();
        assertThat(verbose.r()).hasValue(2);
        assertThat(verbose.withVerbose(false).verbose()).isFalse();
        assertThat(verbose).hasToString("GetOptions[r=2, verbose]");
        assertThat(GetOptions.DEFAULT.withVerbose(true)).hasToString("GetOptions[verbose]");
        assertThatThrownBy(() -> PutOptions.withW(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hostAddressesParse() {
        assertThat(HostAddress.parse("127.0.0.1:7070").toString()).isEqualTo("127.0.0.1:7070");
        assertThat(HostAddress.parse(" node-a ").toString()).isEqualTo("node-a:7070");
        assertThat(HostAddress.parse("[::1]:9000").toString()).isEqualTo("[::1]:9000");
        assertThat(HostAddress.parse("::1").toString()).isEqualTo("[::1]:7070");
        assertThat(HostAddress.parse("h:1").socketAddress().getPort()).isEqualTo(1);
        assertThatThrownBy(() -> HostAddress.parse("h:0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HostAddress.parse("h:x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HostAddress.parse(":80")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HostAddress.parse("[::1")).isInstanceOf(IllegalArgumentException.class);
    }
}
