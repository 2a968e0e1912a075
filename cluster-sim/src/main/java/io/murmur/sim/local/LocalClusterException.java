package io.murmur.sim.local;

/** A local-cluster command that could not do what it was asked; the message says why. */
public final class LocalClusterException extends Exception {
    LocalClusterException(String message) {
        super(message);
    }

    LocalClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
