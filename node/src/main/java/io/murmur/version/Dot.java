package io.murmur.version;

import java.util.Objects;

/**
 * The identity of one write: the node that coordinated it and that node's counter for
 * the key at the time. Two versions with the same dot are the same write.
 */
public record Dot(String node, long counter) {
    public Dot {
        Objects.requireNonNull(node, "node");
        if (node.isEmpty()) {
            throw new IllegalArgumentException("dot node id must not be empty");
        }
        if (counter <= 0) {
            throw new IllegalArgumentException("dot counter must be > 0, got " + counter);
        }
    }

    @Override
    public String toString() {
        return node + ":" + counter;
    }
}
