package io.murmur.client;

import java.net.InetSocketAddress;

/** A node's client address as configured: {@code host:port}, {@code [v6]:port} or {@code host}. */
final class HostAddress {
    static final int DEFAULT_PORT = 7070;

    private final String host;
    private final int port;

    private HostAddress(String host, int port) {
        this.host = host;
        this.port = port;
    }

    static HostAddress parse(String spec) {
        String s = spec.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty host address");
        }
        String host;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '[' in host address: " + spec);
            }
            host = s.substring(1, close);
            if (close + 1 < s.length()) {
                if (s.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("expected ':' after ']' in host address: " + spec);
                }
                port = s.substring(close + 2);
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0 && s.indexOf(':') == colon) {
                host = s.substring(0, colon);
                port = s.substring(colon + 1);
            } else {
                host = s; // no port, or a bare IPv6 literal
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("missing host in address: " + spec);
        }
        int portNumber = DEFAULT_PORT;
        if (port != null) {
            try {
                portNumber = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in host address: " + spec, e);
            }
            if (portNumber < 1 || portNumber > 65535) {
                throw new IllegalArgumentException("port out of range in host address: " + spec);
            }
        }
        return new HostAddress(host, portNumber);
    }

    /** An address from its parts, as a node reports it in {@code ClusterInfo}. */
    static HostAddress of(String host, int port) {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("missing host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        return new HostAddress(host, port);
    }

    /** Unresolved, so that name resolution happens at each connect, not once at startup. */
    InetSocketAddress socketAddress() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
