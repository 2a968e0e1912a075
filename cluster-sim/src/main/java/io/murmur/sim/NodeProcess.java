package io.murmur.sim;

/**
 * What runs on one simulated node: a protocol core wired to the node's simulated seams.
 * The simulator makes a new instance at every (re)start, so whatever the process keeps in
 * fields is lost on a crash, as on a real machine; what it keeps in the node's durable
 * state ({@link NodeContext#durable()}) survives.
 *
 * @param <M> the message type nodes exchange
 */
public interface NodeProcess<M> {
    /** Called once when the node starts; schedule timers and send messages from here on. */
    void start(NodeContext<M> context);

    /** A message from {@code from} arrived. */
    void onMessage(String from, M message);
}
