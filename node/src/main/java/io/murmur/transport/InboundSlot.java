package io.murmur.transport;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The place an accepted peer connection takes among the open connections of a traffic
 * class: counted first among the gossip transport's (whose limit applies on accept, before
 * any hello), then, if its hello names another class, moved to that class's count. Given
 * back once, when the connection closes, to whichever count holds it then.
 */
final class InboundSlot {
    private AtomicInteger count;
    private boolean released;

    /** A slot already counted in {@code count}. */
    InboundSlot(AtomicInteger count) {
        this.count = count;
    }

    /**
     * Moves the slot to {@code other}, unless that holds {@code limit} already; false when it
     * does. A slot already given back stays given back (and counts as moved).
     */
    synchronized boolean moveTo(AtomicInteger other, int limit) {
        if (released) {
            return true;
        }
        if (other.incrementAndGet() > limit) {
            other.decrementAndGet();
            return false;
        }
        count.decrementAndGet();
        count = other;
        return true;
    }

    /** Gives the slot back; only the first call counts. */
    synchronized void release() {
        if (!released) {
            released = true;
            count.decrementAndGet();
        }
    }
}
