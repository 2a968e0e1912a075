package io.murmur.transport;

import io.murmur.runtime.PeerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands the messages one traffic class receives to its handler, as tasks on the handler's
 * executor.
 *
 * <p>Design note. The executor belongs to whoever handles the messages — for gossip the
 * membership core's single thread, for replica traffic a request pool — so the handler
 * runs there and never on an inbound connection's event loop unless they are the same
 * thread. What waits in the executor's queue is bounded in bytes ({@code maxPendingBytes},
 * counted by frame size): when the handler falls that far behind, further messages are
 * dropped and counted rather than queued without end. Messages between nodes are best
 * effort, so a dropped message costs a gossip round or a replica's answer (which its
 * sender times out on), while an unbounded queue would cost the node its memory.
 *
 * @param <M> the message type of the traffic class
 */
final class PeerDelivery<M> {
    private static final Logger log = LoggerFactory.getLogger(PeerDelivery.class);

    private final String traffic;
    private final PeerNetwork.Handler<M> handler;
    private final Executor executor;
    private final long maxPendingBytes;
    private final PeerCounters counters;
    private final AtomicLong pendingBytes = new AtomicLong();
    private volatile boolean stopped;

    /**
     * @param traffic the traffic class's name, for logs ("gossip", "replica")
     */
    PeerDelivery(String traffic, PeerNetwork.Handler<M> handler, Executor executor, long maxPendingBytes,
                 PeerCounters counters) {
        this.traffic = traffic;
        this.handler = handler;
        this.executor = executor;
        this.maxPendingBytes = maxPendingBytes;
        this.counters = counters;
    }

    /** Queues {@code message}, read as a frame of {@code frameBytes}, for the handler; drops it when over the bound. */
    void deliver(String from, M message, int frameBytes) {
        if (stopped) {
            counters.deliveriesDropped.increment();
            return;
        }
        if (pendingBytes.addAndGet(frameBytes) > maxPendingBytes) {
            pendingBytes.addAndGet(-frameBytes);
            counters.deliveriesDropped.increment();
            log.debug("dropped a {} message from {}: the handler is {} bytes behind", traffic, from, pendingBytes.get());
            return;
        }
        try {
            executor.execute(() -> run(from, message, frameBytes));
        } catch (RejectedExecutionException e) {
            pendingBytes.addAndGet(-frameBytes);
            counters.deliveriesDropped.increment();
            log.debug("dropped a {} message from {}: the handler's executor refused it", traffic, from);
        }
    }

    private void run(String from, M message, int frameBytes) {
        pendingBytes.addAndGet(-frameBytes);
        if (stopped) {
            counters.deliveriesDropped.increment();
            return;
        }
        try {
            handler.onMessage(from, message);
        } catch (RuntimeException e) {
            log.error("the {} handler failed on a message from {}", traffic, from, e);
        }
    }

    /** From now on nothing more reaches the handler, also what is already queued. */
    void stop() {
        stopped = true;
    }
}
