package io.murmur.client;

import io.murmur.proto.client.ErrorCode;

/** The node refused the connection's credentials. */
public class UnauthenticatedException extends MurmurException {
    public UnauthenticatedException(String message) {
        super(ErrorCode.UNAUTHENTICATED, message);
    }
}
