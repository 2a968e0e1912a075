package io.murmur.transport;

import io.murmur.proto.peer.GossipMessage;
import io.murmur.runtime.PeerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands received gossip messages to the membership core's handler on the core's executor.
 *
 * <p>Design note. The executor is the core's single thread, so the handler runs there and
 * never on an inbound connection's event loop unless they are the same thread. What waits
 * in the executor's queue is bounded in bytes ({@code maxPendingBytes}, counted by frame
 * size): when the core falls that far behind, further messages are dropped and counted
 * rather than queued without end. Gossip is periodic and idempotent, so a dropped message
 * costs one round, while an unbounded queue would cost the node its memory.
 */
final class GossipDelivery {
    private static final Logger log = LoggerFactory.getLogger(GossipDelivery.class);

    private final PeerNetwork.Handler<GossipMessage> handler;
    private final Executor executor;
    private final long maxPendingBytes;
    private final PeerCounters counters;
    private final AtomicLong pendingBytes = new AtomicLong();
    private volatile boolean stopped;

    GossipDelivery(PeerNetwork.Handler<GossipMessage> handler, Executor executor, long maxPendingBytes,
                   PeerCounters counters) {
        this.handler = handler;
        this.executor = executor;
        this.maxPendingBytes = maxPendingBytes;
        this.counters = counters;
    }

    /** Queues {@code message}, read as a frame of {@code frameBytes}, for the handler; drops it when over the bound. */
    void deliver(String from, GossipMessage message, int frameBytes) {
        if (stopped) {
            counters.deliveriesDropped.increment();
            return;
        }
        if (pendingBytes.addAndGet(frameBytes) > maxPendingBytes) {
            pendingBytes.addAndGet(-frameBytes);
            counters.deliveriesDropped.increment();
            log.debug("dropped a gossip message from {}: the handler is {} bytes behind", from, pendingBytes.get());
            return;
        }
        try {
            executor.execute(() -> run(from, message, frameBytes));
        } catch (RejectedExecutionException e) {
            pendingBytes.addAndGet(-frameBytes);
            counters.deliveriesDropped.increment();
            log.debug("dropped a gossip message from {}: the handler's executor refused it", from);
        }
    }

    private void run(String from, GossipMessage message, int frameBytes) {
        pendingBytes.addAndGet(-frameBytes);
        if (stopped) {
            counters.deliveriesDropped.increment();
            return;
        }
        try {
            handler.onMessage(from, message);
        } catch (RuntimeException e) {
            log.error("the gossip handler failed on a message from {}", from, e);
        }
    }

    /** From now on nothing more reaches the handler, also what is already queued. */
    void stop() {
        stopped = true;
    }
}
