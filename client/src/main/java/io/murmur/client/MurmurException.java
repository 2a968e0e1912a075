package io.murmur.client;

import io.murmur.proto.client.Error;
import io.murmur.proto.client.ErrorCode;

/**
 * Base of every failure the client reports: errors the node answered with (one subclass
 * per {@link ErrorCode}) and failures on the client's side ({@link ConnectionException},
 * {@link RequestTimeoutException}, {@link ProtocolException}).
 *
 * <p>Design note: operating errors are expected and must be handled by callers, so they
 * are typed values with the node's code attached rather than strings to parse. They are
 * unchecked because they travel inside {@code CompletableFuture}s, where checked
 * exceptions buy nothing.
 */
public class MurmurException extends RuntimeException {
    private final ErrorCode code;

    /**
     * @param code the node's error code, or {@link ErrorCode#ERROR_CODE_UNSPECIFIED} for a
     *     failure detected by the client
     */
    protected MurmurException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    protected MurmurException(ErrorCode code, String message) {
        this(code, message, null);
    }

    /**
     * The node's error code; {@link ErrorCode#ERROR_CODE_UNSPECIFIED} when the client
     * itself detected the failure (or the node sent a code this client does not know).
     */
    public ErrorCode code() {
        return code;
    }

    /** Maps an {@code Error} reply to the exception type for its code. */
    public static MurmurException fromError(Error error) {
        String message = error.getMessage().isEmpty() ? error.getCode().name() : error.getMessage();
        switch (error.getCode()) {
            case UNAVAILABLE:
                return new UnavailableException(message);
            case TIMEOUT:
                return new TimeoutException(message, error.getAcks());
            case TOO_LARGE:
                return new TooLargeException(message);
            case INVALID_REQUEST:
                return new InvalidRequestException(message);
            case RATE_LIMITED:
                return new RateLimitedException(message, error.hasRetryAfterMs() ? error.getRetryAfterMs() : 0);
            case UNAUTHENTICATED:
                return new UnauthenticatedException(message);
            case INTERNAL:
                return new InternalServerException(message);
            case ERROR_CODE_UNSPECIFIED:
            case UNRECOGNIZED:
            default:
                return new MurmurException(ErrorCode.ERROR_CODE_UNSPECIFIED,
                        "node sent error code " + error.getCodeValue() + ": " + message);
        }
    }
}
