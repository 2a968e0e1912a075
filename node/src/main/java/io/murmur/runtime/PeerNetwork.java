package io.murmur.runtime;

/**
 * Messages between nodes, as the protocol cores see them: best effort. A message may be
 * lost, delayed, duplicated or reordered, and a node learns nothing from a send
 * succeeding. Cores must be correct under all of that; a real node sends over Netty on the
 * peer port, the simulator through seeded in-memory links.
 *
 * @param <M> the message type
 */
public interface PeerNetwork<M> {
    /** Sends {@code message} to the node {@code to}; never blocks, never throws for a lost peer. */
    void send(String to, M message);

    /** Receives what peers send; called on the receiving node's protocol thread. */
    @FunctionalInterface
    interface Handler<M> {
        void onMessage(String from, M message);
    }
}
