package io.murmur.client;

import io.murmur.proto.client.ErrorCode;

/** The node sheds load; the request had no effect and may be retried after the hinted delay. */
public class RateLimitedException extends MurmurException {
    private final long retryAfterMillis;

    public RateLimitedException(String message, long retryAfterMillis) {
        super(ErrorCode.RATE_LIMITED, message);
        this.retryAfterMillis = retryAfterMillis;
    }

    /** How long the node asks the client to wait before retrying; 0 when it gave no hint. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }
}
