package io.murmur.client;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The connections to one node: a fixed number of slots, each holding a live connection
 * or nothing. A slot whose connection dropped is refilled by the next request that lands
 * on it (lazy reconnect), so an idle client to a dead node costs nothing.
 */
final class HostPool {
    private final Router router;
    private final HostAddress address;
    private final AtomicReferenceArray<Connection> slots;
    private final AtomicInteger nextSlot = new AtomicInteger();
    private volatile long downUntilNanos;

    HostPool(Router router, HostAddress address, int connections) {
        this.router = router;
        this.address = address;
        this.slots = new AtomicReferenceArray<>(connections);
    }

    HostAddress address() {
        return address;
    }

    /** A connection that is open or opening; opens one if the chosen slot is empty. */
    Connection acquire() {
        int n = slots.length();
        int slot = n == 1 ? 0 : Math.floorMod(nextSlot.getAndIncrement(), n);
        while (true) {
            Connection current = slots.get(slot);
            if (current != null && !current.isClosed()) {
                return current;
            }
            Connection fresh = new Connection(router, this, router.nextLoop());
            if (slots.compareAndSet(slot, current, fresh)) {
                fresh.start();
                if (router.isClosed()) {
                    // close() may have swept the slots before this connection landed.
                    fresh.close(new ConnectionException("client is closed"));
                }
                return fresh;
            }
        }
    }

    /** Empties the slot of a connection that closed. */
    void release(Connection connection) {
        for (int i = 0; i < slots.length(); i++) {
            slots.compareAndSet(i, connection, null);
        }
    }

    /** After a failed connect: prefer other hosts for a while. */
    void markDown() {
        downUntilNanos = System.nanoTime() + router.reconnectBackoffNanos();
    }

    void markUp() {
        downUntilNanos = 0;
    }

    boolean isDown(long nowNanos) {
        long until = downUntilNanos;
        return until != 0 && nowNanos - until < 0;
    }

    List<CompletableFuture<Void>> closeAll(MurmurException cause) {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (int i = 0; i < slots.length(); i++) {
            Connection c = slots.getAndSet(i, null);
            if (c != null) {
                closing.add(c.close(cause));
            }
        }
        return closing;
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
