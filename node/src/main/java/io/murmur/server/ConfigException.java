package io.murmur.server;

/**
 * A configuration the node cannot run with. The message names where the value came from
 * (the file, or the command-line flag), the key and the rule it broke, e.g.
 * {@code conf/node.yaml: limits.max_value_bytes must be > 0}.
 */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
