package io.murmur.runtime;

/** A store could not do what was asked: a disk error, corruption, or the store is closed. */
public class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
