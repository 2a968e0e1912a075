package io.murmur.transport;

import io.murmur.proto.client.Request;

import java.util.concurrent.CompletionStage;

/**
 * The node's side of the client protocol: the transport hands it each decoded request and
 * writes back whatever it completes with. Implementations must always complete the
 * stage (with a reply, never exceptionally for a request they could answer with an
 * error), may complete it on any thread, and must not block the calling event loop.
 */
@FunctionalInterface
public interface RequestDispatcher {
    CompletionStage<Reply> dispatch(Request request);
}
