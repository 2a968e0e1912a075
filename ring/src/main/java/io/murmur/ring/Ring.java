package io.murmur.ring;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The node's current ring: one {@link RingSnapshot} behind an {@link AtomicReference}.
 *
 * <p>Design note: readers call {@link #current()} once per request and use that snapshot
 * throughout, so a request sees one consistent ring even while a change is published; reads
 * take no lock. Writers replace the whole snapshot with compare-and-set; the epoch must grow
 * with every replacement, which catches a stale snapshot being published over a newer one.
 */
public final class Ring {
    private final AtomicReference<RingSnapshot> current;

    public Ring(RingSnapshot initial) {
        this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
    }

    /** An empty ring at epoch 0. */
    public Ring() {
        this(RingSnapshot.empty());
    }

    public RingSnapshot current() {
        return current.get();
    }

    /**
     * Applies {@code change} to the current snapshot and publishes the result. The function
     * may run more than once under contention, so it must be free of side effects. Returning
     * the same snapshot leaves the ring unchanged; any other result must have a larger epoch.
     */
    public RingSnapshot update(UnaryOperator<RingSnapshot> change) {
        Objects.requireNonNull(change, "change");
        while (true) {
            RingSnapshot before = current.get();
            RingSnapshot after = Objects.requireNonNull(change.apply(before), "change returned null");
            if (after == before) {
                return before;
            }
            requireNewer(before, after);
            if (current.compareAndSet(before, after)) {
                return after;
            }
        }
    }

    /** Publishes {@code next} if the ring is still {@code expected}; {@code next} must be newer. */
    public boolean compareAndSet(RingSnapshot expected, RingSnapshot next) {
        Objects.requireNonNull(next, "next");
        requireNewer(expected, next);
        return current.compareAndSet(expected, next);
    }

    private static void requireNewer(RingSnapshot before, RingSnapshot after) {
        if (after.epoch() <= before.epoch()) {
            throw new IllegalArgumentException("ring epoch must grow: " + before.epoch() + " -> " + after.epoch());
        }
    }

    @Override
    public String toString() {
        return "Ring{" + current.get() + "}";
    }
}
