package io.murmur.client;

import io.murmur.proto.client.ErrorCode;

/** A key, value or frame exceeded the node's limit; nothing was stored. */
public class TooLargeException extends MurmurException {
    public TooLargeException(String message) {
        super(ErrorCode.TOO_LARGE, message);
    }
}
