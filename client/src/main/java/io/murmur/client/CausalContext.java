package io.murmur.client;

import com.google.protobuf.ByteString;
import java.util.Base64;
import java.util.Objects;

/**
 * The opaque causal context a read or write returns: hand it back with the next write of
 * the same key so that write supersedes every version the context covers. Without it a
 * write is concurrent with whatever the key holds and shows up as a sibling.
 *
 * <p>Design note: the client never looks inside. The node owns the encoding (a vector
 * clock today) and may change it without a client release; base64 lets a context travel
 * through shells and configuration files.
 */
public final class CausalContext {
    /** No context: the write is concurrent with every existing version. */
    public static final CausalContext EMPTY = new CausalContext(ByteString.EMPTY);

    private final ByteString bytes;

    private CausalContext(ByteString bytes) {
        this.bytes = bytes;
    }

    /** Wraps a copy of {@code bytes}. */
    public static CausalContext of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new CausalContext(ByteString.copyFrom(bytes));
    }

    static CausalContext of(ByteString bytes) {
        return bytes.isEmpty() ? EMPTY : new CausalContext(bytes);
    }

    /**
     * Parses the form {@link #toBase64()} produces; an empty string gives {@link #EMPTY}.
     *
     * @throws IllegalArgumentException if {@code base64} is not valid base64
     */
    public static CausalContext fromBase64(String base64) {
        return of(Base64.getDecoder().decode(base64.trim()));
    }

    /** Standard base64 with padding; empty for {@link #EMPTY}. */
    public String toBase64() {
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    public byte[] toByteArray() {
        return bytes.toByteArray();
    }

    public boolean isEmpty() {
        return bytes.isEmpty();
    }

    ByteString bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CausalContext && ((CausalContext) o).bytes.equals(bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "CausalContext[" + toBase64() + "]";
    }
}
