package io.murmur.transport;

import io.murmur.proto.client.Response;

/**
 * What a node answers to one request: the response, and whether the connection must be
 * closed after it is written (the request broke the protocol).
 */
public record Reply(Response response, boolean closeAfter) {
    public static Reply of(Response response) {
        return new Reply(response, false);
    }

    public static Reply thenClose(Response response) {
        return new Reply(response, true);
    }
}
