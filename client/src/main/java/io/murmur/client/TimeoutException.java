package io.murmur.client;

import io.murmur.proto.client.ErrorCode;

/**
 * The node could not gather its quorum before its deadline. For a write, {@link #acks()}
 * replicas had acknowledged: the write may be applied partially and will spread by read
 * repair and anti-entropy, so the outcome is unknown rather than failed.
 *
 * <p>Not to be confused with {@link RequestTimeoutException}, raised when this client
 * itself stopped waiting for any reply.
 */
public class TimeoutException extends MurmurException {
    private final int acks;

    public TimeoutException(String message, int acks) {
        super(ErrorCode.TIMEOUT, message);
        this.acks = acks;
    }

    /** Replicas that acknowledged before the node's deadline. */
    public int acks() {
        return acks;
    }
}
