package io.murmur.client;

import io.murmur.proto.client.ErrorCode;

/**
 * No connection could carry the request, or the connection dropped while the request
 * was in flight. In the second case a write may or may not have been applied.
 */
public class ConnectionException extends MurmurException {
    public ConnectionException(String message) {
        super(ErrorCode.ERROR_CODE_UNSPECIFIED, message);
    }

    public ConnectionException(String message, Throwable cause) {
        super(ErrorCode.ERROR_CODE_UNSPECIFIED, message, cause);
    }
}
