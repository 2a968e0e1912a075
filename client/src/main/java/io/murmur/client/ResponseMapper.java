package io.murmur.client;

import io.murmur.proto.client.Response;

/** Turns a successful reply of the expected kind into the value a caller's future gets. */
@FunctionalInterface
interface ResponseMapper<T> {
    T map(Response response, long roundTripNanos);
}
