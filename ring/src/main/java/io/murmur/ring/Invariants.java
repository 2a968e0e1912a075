package io.murmur.ring;

/**
 * Always-on checks for broken invariants inside the ring package. Unlike {@code assert} these
 * run without {@code -ea}: a ring that violates its own invariants would route writes to the
 * wrong replicas silently, so it fails loudly instead. Only used off the lookup hot path
 * (building and validating snapshots), so the varargs allocation does not matter.
 */
final class Invariants {
    private Invariants() {
    }

    static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalStateException("ring invariant violated: " + String.format(format, args));
        }
    }
}
