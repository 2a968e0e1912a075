package io.murmur.client;

import io.murmur.proto.client.ErrorCode;

/** The node saw too few live replicas for the requested quorum and sent nothing: the request had no effect, so retrying later (or with a smaller quorum) is safe. */
public class UnavailableException extends MurmurException {
    public UnavailableException(String message) {
        super(ErrorCode.UNAVAILABLE, message);
    }
}
