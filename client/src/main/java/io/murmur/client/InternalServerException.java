package io.murmur.client;

import io.murmur.proto.client.ErrorCode;

/** A fault inside the node (disk error, broken invariant); the outcome of a write is unknown. */
public class InternalServerException extends MurmurException {
    public InternalServerException(String message) {
        super(ErrorCode.INTERNAL, message);
    }
}
