package io.murmur.sim.experiments;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The {@link TableRouter}'s table kept in Redis instead: every lookup is a {@code GET} over
 * the loopback network, one connection per thread. The table is loaded with pipelined
 * {@code SET}s and, when nodes fail, the in-memory table owner decides the moves and this
 * router writes the changed entries (so it must see {@link #setFailed} after the owner). The
 * Redis database is emptied first: one table at a time.
 * Keys are {@code k:} plus the key hash in hex; values are node ids.
 */
final class RedisTableRouter implements Router {
    /** SETs sent before reading their replies. */
    static final int PIPELINE_DEPTH = 10_000;

    private final TableRouter owner;
    private final RedisServer server;
    private final ThreadLocal<RespClient> clients;
    private final Queue<RespClient> opened = new ConcurrentLinkedQueue<>();

    RedisTableRouter(TableRouter owner, RedisServer server) throws IOException {
        this.owner = owner;
        this.server = server;
        this.clients = new ThreadLocal<>();
        Object flushed = client().command("FLUSHALL");
        if (!"OK".equals(flushed)) {
            throw new IOException("FLUSHALL answered " + flushed);
        }
        long[] keys = owner.keys();
        int[] all = new int[keys.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        write(all);
    }

    @Override
    public String name() {
        return "redis table";
    }

    @Override
    public void setFailed(BitSet failedNodes) throws IOException {
        if (!owner.failed().equals(failedNodes)) {
            throw new IllegalStateException("the table owner must apply the failures before its Redis copy");
        }
        write(owner.changedKeys());
    }

    private void write(int[] keyIndices) throws IOException {
        long[] keys = owner.keys();
        byte[][] k = new byte[PIPELINE_DEPTH][];
        byte[][] v = new byte[PIPELINE_DEPTH][];
        RespClient c = client();
        for (int start = 0; start < keyIndices.length; start += PIPELINE_DEPTH) {
            int count = Math.min(PIPELINE_DEPTH, keyIndices.length - start);
            for (int j = 0; j < count; j++) {
                int i = keyIndices[start + j];
                k[j] = redisKey(keys[i]);
                v[j] = owner.nodeOfKey(i).getBytes(StandardCharsets.UTF_8);
            }
            c.setAll(k, v, count);
        }
    }

    static byte[] redisKey(long key) {
        byte[] out = new byte[18];
        out[0] = 'k';
        out[1] = ':';
        for (int i = 17; i >= 2; i--) {
            out[i] = (byte) Character.forDigit((int) (key & 0xf), 16);
            key >>>= 4;
        }
        return out;
    }

    private RespClient client() throws IOException {
        RespClient c = clients.get();
        if (c == null) {
            c = server.connect();
            clients.set(c);
            opened.add(c);
        }
        return c;
    }

    @Override
    public String route(long key) throws IOException {
        byte[] value = client().get(redisKey(key));
        if (value == null) {
            throw new IOException("key missing from the Redis table: " + key);
        }
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public long routeBatch(long[] keys, int from, int count) throws IOException {
        RespClient c = client();
        long sink = 0;
        int i = from;
        for (int n = 0; n < count; n++) {
            sink += new String(c.get(redisKey(keys[i])), StandardCharsets.UTF_8).hashCode();
            if (++i == keys.length) {
                i = 0;
            }
        }
        return sink;
    }

    /** Closes the connections; the server is closed by whoever started it. */
    @Override
    public void close() throws IOException {
        for (RespClient c; (c = opened.poll()) != null; ) {
            c.close();
        }
    }
}
