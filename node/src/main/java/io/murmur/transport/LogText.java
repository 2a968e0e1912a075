package io.murmur.transport;

/**
 * Makes text that came from the network safe to log: at most a bounded number of
 * characters, with control characters (a newline that would forge a log line, a terminal
 * escape) written as a backslash, {@code u} and four hex digits.
 */
final class LogText {
    /** Enough for any honest cluster name, node id, address or parser message. */
    static final int MAX_CHARS = 120;

    private LogText() {
    }

    static String printable(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_CHARS) + 8);
        for (int i = 0; i < text.length(); i++) {
            if (out.length() >= MAX_CHARS) {
                out.append("…");
                break;
            }
            char c = text.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
