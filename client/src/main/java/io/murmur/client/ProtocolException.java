package io.murmur.client;

import io.murmur.proto.client.ErrorCode;

/**
 * The node answered something this client cannot use: a different protocol version in
 * its Hello reply, or a reply of the wrong kind for the request.
 */
public class ProtocolException extends MurmurException {
    public ProtocolException(String message) {
        super(ErrorCode.ERROR_CODE_UNSPECIFIED, message);
    }
}
