package io.murmur.runtime;

/**
 * Messages between nodes, as the protocol cores see them: best effort. A message may be
 * lost, delayed, duplicated or reordered, and a node learns nothing from a send
 * succeeding. Cores must be correct under all of that; a real node sends over Netty on the
 * peer port, the simulator through seeded in-memory links.
 *
 * <p>Who a peer is depends on the world: on a real node it is the peer's address,
 * {@code host:port} on its peer port; in the simulator it is the node id. So a core does
 * not answer to the {@code from} of {@link Handler#onMessage}: it answers the sender named
 * inside the message, at the address given there.
 *
 * @param <M> the message type
 */
public interface PeerNetwork<M> {
    /**
     * Sends {@code message} to the peer {@code to}: on a real node its {@code host:port}
     * address, in the simulator its node id. Never blocks, never throws for a lost or
     * unreachable peer.
     */
    void send(String to, M message);

    /** Receives what peers send; called on the receiving node's protocol thread. */
    @FunctionalInterface
    interface Handler<M> {
        /**
         * One message; {@code from} says where it came from: on a real node the remote
         * socket address of the connection ({@code host:port}, not the sender's peer port),
         * in the simulator the sender's node id.
         */
        void onMessage(String from, M message);
    }
}
