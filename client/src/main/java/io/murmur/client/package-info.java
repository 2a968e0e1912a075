/**
 * The Java client for Murmur: {@link io.murmur.client.MurmurClient} (asynchronous, the
 * primary API) and its {@link io.murmur.client.BlockingMurmurClient} view.
 *
 * <p>Design note: public types here are the API (client, options, results, exceptions);
 * the Netty machinery (connections, routing, framing) is package-private so it can change
 * freely. The client depends on the protocol schemas, the ring (to route
 * keys to their replicas as the nodes place them) and Netty only, never on the node.
 */
package io.murmur.client;
