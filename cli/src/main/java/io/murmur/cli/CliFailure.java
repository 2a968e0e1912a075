package io.murmur.cli;

/** A failure the CLI itself detects, with the code and exit status to report it under. */
final class CliFailure extends RuntimeException {
    private final String code;
    private final int exitStatus;

    CliFailure(String code, String message, int exitStatus) {
        super(message);
        this.code = code;
        this.exitStatus = exitStatus;
    }

    CliFailure(String code, String message) {
        this(code, message, Murmur.EXIT_FAILED);
    }

    String code() {
        return code;
    }

    int exitStatus() {
        return exitStatus;
    }
}
