package io.murmur.transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Peer addresses as the membership core writes them: {@code host:port}, with an IPv6
 * literal in brackets ({@code [::1]:7001}). Parsing never resolves a name, so it is cheap
 * on any thread; the name is resolved when a connection is opened.
 */
final class PeerAddresses {
    private PeerAddresses() {
    }

    /**
     * The unresolved socket address {@code address} names, or {@code null} when it is not
     * {@code host:port} with a host of visible ASCII characters and a port in 1..65535.
     */
    static InetSocketAddress parse(String address) {
        String host;
        String port;
        if (address.startsWith("[")) {
            int close = address.indexOf(']');
            if (close < 0 || close + 1 >= address.length() || address.charAt(close + 1) != ':') {
                return null;
            }
            host = address.substring(1, close);
            port = address.substring(close + 2);
        } else {
            int colon = address.lastIndexOf(':');
            if (colon < 0 || address.indexOf(':') != colon) {
                return null; // no port, or an IPv6 literal without brackets
            }
            host = address.substring(0, colon);
            port = address.substring(colon + 1);
        }
        if (host.isEmpty() || !host.chars().allMatch(c -> c > ' ' && c < 0x7f)
                || port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
            return null;
        }
        int number = Integer.parseInt(port);
        if (number < 1 || number > 65_535) {
            return null;
        }
        return InetSocketAddress.createUnresolved(host, number);
    }

    /** {@code host:port} of a connected socket's address, for logs and the handler's {@code from}. */
    static String format(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet)) {
            return String.valueOf(address);
        }
        InetAddress ip = inet.getAddress();
        String host = ip != null ? ip.getHostAddress() : inet.getHostString();
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + inet.getPort() : host + ":" + inet.getPort();
    }
}
