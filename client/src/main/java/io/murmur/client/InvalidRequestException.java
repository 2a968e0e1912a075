package io.murmur.client;

import io.murmur.proto.client.ErrorCode;

/** The node rejected the request as malformed, unknown, or of an unsupported protocol version. */
public class InvalidRequestException extends MurmurException {
    public InvalidRequestException(String message) {
        super(ErrorCode.INVALID_REQUEST, message);
    }
}
