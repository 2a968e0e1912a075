package io.murmur.client;

import io.murmur.proto.client.ErrorCode;

/**
 * The client's own deadline for a request passed without a reply. A reply that arrives
 * later is dropped. The outcome of a write is unknown.
 */
public class RequestTimeoutException extends MurmurException {
    public RequestTimeoutException(String message) {
        super(ErrorCode.ERROR_CODE_UNSPECIFIED, message);
    }
}
