package io.murmur.client;

import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A request from the moment a caller makes it until its future completes: what to send,
 * which reply to expect, its deadline, and where it currently is.
 *
 * <p>The future completes exactly once: by a reply, by the deadline timer, or by the loss
 * of its connection. Whoever completes it first wins; the others find it done and stop.
 */
final class PendingRequest<T> {
    private final Request.Builder request;
    private final Response.ResultCase expected;
    private final ResponseMapper<T> mapper;
    final CompletableFuture<T> future = new CompletableFuture<>();
    final long deadlineNanos;
    /** Where the request may go. */
    final Route route;
    /** The key whose replicas should take a {@link Route#READ} or {@link Route#WRITE}; else null. */
    final byte[] key;

    // Handed from thread to thread through queues and event-loop tasks, never shared.
    int attempts;
    /** Hosts this request was handed to, in order; a host is tried at most once. */
    final List<HostPool> tried = new ArrayList<>(2);
    volatile ScheduledFuture<?> timer;

    // Set on the event loop of the connection that wrote the request.
    Connection connection;
    long requestId;
    private long sentNanos;

    PendingRequest(Request.Builder request, Route route, byte[] key, Response.ResultCase expected,
                   ResponseMapper<T> mapper, long deadlineNanos) {
        this.request = request;
        this.route = route;
        this.key = key;
        this.expected = expected;
        this.mapper = mapper;
        this.deadlineNanos = deadlineNanos;
    }

    boolean triedOn(HostPool host) {
        for (HostPool h : tried) {
            if (h == host) {
                return true;
            }
        }
        return false;
    }

    Request encodeFor(Connection connection, long requestId, long nowNanos) {
        this.connection = connection;
        this.requestId = requestId;
        this.sentNanos = nowNanos;
        return request.setRequestId(requestId).build();
    }

    void complete(Response response) {
        cancelTimer();
        if (response.hasError()) {
            future.completeExceptionally(MurmurException.fromError(response.getError()));
            return;
        }
        if (response.getResultCase() != expected) {
            future.completeExceptionally(new ProtocolException(
                    "expected a " + expected + " reply, got " + response.getResultCase()));
            return;
        }
        T value;
        try {
            value = mapper.map(response, System.nanoTime() - sentNanos);
        } catch (RuntimeException e) {
            future.completeExceptionally(e);
            return;
        }
        future.complete(value);
    }

    void fail(MurmurException cause) {
        cancelTimer();
        future.completeExceptionally(cause);
    }

    void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            timer = null;
            t.cancel(false);
        }
    }
}
