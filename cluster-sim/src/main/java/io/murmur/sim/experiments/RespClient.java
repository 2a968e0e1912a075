package io.murmur.sim.experiments;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal Redis client speaking RESP2 over one blocking socket: commands go out as arrays
 * of bulk strings, replies are read as simple strings, errors, integers, bulk strings and
 * arrays. Enough for loading a table with pipelined {@code SET}s and reading it with
 * {@code GET}. Not thread-safe: one client per thread.
 */
final class RespClient implements Closeable {
    /** Longest bulk reply accepted, in bytes: node ids and short status strings. */
    static final int MAX_BULK_BYTES = 1 << 20;
    /** Most elements of an array reply accepted. */
    static final int MAX_ARRAY_ELEMENTS = 1 << 16;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] GET = {'G', 'E', 'T'};
    private static final byte[] SET = {'S', 'E', 'T'};

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RespClient(String host, int port, int timeoutMillis) throws IOException {
        socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(timeoutMillis);
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** A Redis error reply. */
    static final class RedisError extends IOException {
        private static final long serialVersionUID = 1L;

        RedisError(String message) {
            super(message);
        }
    }

    /** Sends one command and returns its reply (see {@link #readReply}). */
    Object command(String... args) throws IOException {
        byte[][] parts = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            parts[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        write(parts);
        out.flush();
        return readReply();
    }

    /** {@code GET key}: the value, or null if the key is missing. */
    byte[] get(byte[] key) throws IOException {
        writeArrayHeader(2);
        writeBulk(GET);
        writeBulk(key);
        out.flush();
        Object reply = readReply();
        if (reply != null && !(reply instanceof byte[])) {
            throw new IOException("GET answered " + reply);
        }
        return (byte[]) reply;
    }

    /** {@code SET keys[i] values[i]} for i in [0, count), sent together, then all replies read. */
    void setAll(byte[][] keys, byte[][] values, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            writeArrayHeader(3);
            writeBulk(SET);
            writeBulk(keys[i]);
            writeBulk(values[i]);
        }
        out.flush();
        for (int i = 0; i < count; i++) {
            Object reply = readReply();
            if (!"OK".equals(reply)) {
                throw new IOException("SET answered " + reply);
            }
        }
    }

    private void write(byte[][] parts) throws IOException {
        writeArrayHeader(parts.length);
        for (byte[] p : parts) {
            writeBulk(p);
        }
    }

    private void writeArrayHeader(int n) throws IOException {
        out.write('*');
        writeDecimal(n);
        out.write(CRLF);
    }

    private void writeBulk(byte[] data) throws IOException {
        out.write('$');
        writeDecimal(data.length);
        out.write(CRLF);
        out.write(data);
        out.write(CRLF);
    }

    private void writeDecimal(long v) throws IOException {
        if (v < 10 && v >= 0) {
            out.write((int) ('0' + v));
            return;
        }
        out.write(Long.toString(v).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * One reply: a String for a simple string, a Long for an integer, a byte[] (or null) for
     * a bulk string, an Object[] (or null) for an array; an error reply throws {@link RedisError}.
     */
    Object readReply() throws IOException {
        int type = in.read();
        switch (type) {
            case '+':
                return readLine();
            case '-':
                throw new RedisError(readLine());
            case ':':
                return Long.parseLong(readLine());
            case '$': {
                long len = Long.parseLong(readLine());
                if (len < 0) {
                    return null;
                }
                if (len > MAX_BULK_BYTES) {
                    throw new IOException("bulk reply of " + len + " bytes is over " + MAX_BULK_BYTES);
                }
                byte[] data = in.readNBytes((int) len);
                if (data.length != len || in.read() != '\r' || in.read() != '\n') {
                    throw new EOFException("bulk reply cut short");
                }
                return data;
            }
            case '*': {
                long n = Long.parseLong(readLine());
                if (n < 0) {
                    return null;
                }
                if (n > MAX_ARRAY_ELEMENTS) {
                    throw new IOException("array reply of " + n + " elements is over " + MAX_ARRAY_ELEMENTS);
                }
                Object[] items = new Object[(int) n];
                for (int i = 0; i < n; i++) {
                    items[i] = readReply();
                }
                return items;
            }
            case -1:
                throw new EOFException("connection closed by the server");
            default:
                throw new IOException("not a RESP reply: byte " + type);
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(16);
        while (true) {
            int b = in.read();
            if (b == -1) {
                throw new EOFException("connection closed inside a reply");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("CR without LF in a reply line");
                }
                return sb.toString();
            }
            if (sb.length() >= MAX_BULK_BYTES) {
                throw new IOException("reply line over " + MAX_BULK_BYTES + " bytes");
            }
            sb.append((char) b);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
