package io.murmur.storage;

/**
 * Bytes that do not decode to a valid record or clock: damaged on disk, written by an
 * unknown format, or sent by a client that made them up.
 *
 * <p>An {@link IllegalArgumentException}, because for a client's causal context it means
 * a bad request ({@code INVALID_REQUEST}); the store turns it into a
 * {@link io.murmur.runtime.StorageException} when the bytes came from its own disk.
 */
public class CorruptRecordException extends IllegalArgumentException {
    public CorruptRecordException(String message) {
        super(message);
    }

    public CorruptRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
