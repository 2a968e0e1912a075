package io.murmur.client;

import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.SetVnodesReply;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A synchronous view of a {@link MurmurClient}: the same operations, waiting for the
 * reply. Failures arrive as the same {@link MurmurException} subclasses the futures carry,
 * not wrapped in {@code ExecutionException}. Waits are bounded by the client's request
 * timeout; an interrupt ends the wait with a {@link CancellationException} and leaves the
 * thread's interrupt flag set.
 */
public final class BlockingMurmurClient {
    private final MurmurClient client;

    BlockingMurmurClient(MurmurClient client) {
        this.client = client;
    }

    /** The asynchronous client behind this view. */
    public MurmurClient async() {
        return client;
    }

    public GetResult get(byte[] key) {
        return await(client.get(key));
    }

    public GetResult get(byte[] key, GetOptions options) {
        return await(client.get(key, options));
    }

    public GetResult get(String key) {
        return await(client.get(key));
    }

    public GetResult get(String key, GetOptions options) {
        return await(client.get(key, options));
    }

    public CausalContext put(byte[] key, byte[] value) {
        return await(client.put(key, value));
    }

    public CausalContext put(byte[] key, byte[] value, CausalContext context) {
        return await(client.put(key, value, context));
    }

    public CausalContext put(byte[] key, byte[] value, CausalContext context, PutOptions options) {
        return await(client.put(key, value, context, options));
    }

    public CausalContext put(String key, String value) {
        return await(client.put(key, value));
    }

    public CausalContext put(String key, String value, CausalContext context) {
        return await(client.put(key, value, context));
    }

    public CausalContext put(String key, String value, CausalContext context, PutOptions options) {
        return await(client.put(key, value, context, options));
    }

    public CausalContext delete(byte[] key) {
        return await(client.delete(key));
    }

    public CausalContext delete(byte[] key, CausalContext context) {
        return await(client.delete(key, context));
    }

    public CausalContext delete(byte[] key, CausalContext context, PutOptions options) {
        return await(client.delete(key, context, options));
    }

    public CausalContext delete(String key) {
        return await(client.delete(key));
    }

    public CausalContext delete(String key, CausalContext context) {
        return await(client.delete(key, context));
    }

    public CausalContext delete(String key, CausalContext context, PutOptions options) {
        return await(client.delete(key, context, options));
    }

    public Duration ping() {
        return await(client.ping());
    }

    public ClusterInfo clusterInfo() {
        return await(client.clusterInfo());
    }

    public SetVnodesReply setVnodes(int vnodes) {
        return await(client.setVnodes(vnodes));
    }

    /** Asks the node to leave the cluster; returns once it announced LEFT. */
    public void leave() {
        await(client.leave());
    }

    /** Starts a repair of every range the node replicates; returns the job just started. */
    public RepairProgress repair() {
        return await(client.repair());
    }

    /** Starts a repair of the node's ranges overlapping {@code (start, end]}. */
    public RepairProgress repair(long start, long end) {
        return await(client.repair(start, end));
    }

    public RepairStatus repairStatus() {
        return await(client.repairStatus());
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            CancellationException cancelled = new CancellationException("interrupted while waiting for a reply");
            cancelled.initCause(e);
            throw cancelled;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof java.lang.Error) {
                throw (java.lang.Error) cause;
            }
            throw new MurmurException(io.murmur.proto.client.ErrorCode.ERROR_CODE_UNSPECIFIED,
                    String.valueOf(cause), cause);
        }
    }
}
