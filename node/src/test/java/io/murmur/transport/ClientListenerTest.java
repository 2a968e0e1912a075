package io.murmur.transport;

import io.murmur.proto.client.Pong;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.murmur.testing.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static io.murmur.testing.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Backpressure and graceful draining of the client port, with a dispatcher the test controls. */
class ClientListenerTest {
    static final int MAX_IN_FLIGHT = 8;

    /** Holds every request until the test releases it; counts how many it holds at most. */
    static final class HeldDispatcher implements RequestDispatcher {
        final Queue<Runnable> held = new ConcurrentLinkedQueue<>();
        final AtomicInteger holding = new AtomicInteger();
        final AtomicInteger maxHolding = new AtomicInteger();
        final AtomicInteger received = new AtomicInteger();

        @Override
        public CompletableFuture<Reply> dispatch(Request request) {
            received.incrementAndGet();
            maxHolding.accumulateAndGet(holding.incrementAndGet(), Math::max);
            CompletableFuture<Reply> reply = new CompletableFuture<>();
            held.add(() -> {
                holding.decrementAndGet();
                reply.complete(Reply.of(Response.newBuilder().setRequestId(request.getRequestId())
                        .setPong(Pong.newBuilder().setPayload(request.getPing().getPayload())).build()));
            });
            return reply;
        }

        void releaseAll() {
            Runnable r;
            while ((r = held.poll()) != null) {
                r.run();
            }
        }
    }

    final HeldDispatcher dispatcher = new HeldDispatcher();
    ClientListener listener;

    ClientListener start() throws InterruptedException {
        listener = ClientListener.start(new ClientListener.Settings("127.0.0.1", 0, 1 << 20, MAX_IN_FLIGHT, 16,
                64 * 1024), 1, "auto", dispatcher);
        return listener;
    }

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void aConnectionNeverHasMoreThanMaxInFlightRequestsDispatchedAndAllAreAnswered() throws Exception {
        start();
        int total = 500;
        try (RawClient c = new RawClient(listener.localAddress())) {
            for (int i = 1; i <= total; i++) {
                c.send(ping(i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.holding.get() == MAX_IN_FLIGHT);
            Thread releaser = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    dispatcher.releaseAll();
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
            });
            releaser.start();
            Set<Long> answered = new HashSet<>();
            try {
                for (int i = 0; i < total; i++) {
                    answered.add(c.read().getRequestId());
                }
            } finally {
                releaser.interrupt();
                releaser.join();
            }
            assertThat(answered).hasSize(total);
        }
        assertThat(dispatcher.maxHolding.get()).isEqualTo(MAX_IN_FLIGHT);
    }

    @Test
    void aBurstQueuedBehindHeldRequestsIsAllAnsweredOnceTheyComplete() throws Exception {
        // the first MAX_IN_FLIGHT requests are held, so the rest of the burst queues up;
        // once released, the queue is answered at once, request after request
        AtomicInteger seen = new AtomicInteger();
        RequestDispatcher mixed = request -> seen.incrementAndGet() <= MAX_IN_FLIGHT
                ? dispatcher.dispatch(request)
                : CompletableFuture.completedFuture(Reply.of(Response.newBuilder()
                        .setRequestId(request.getRequestId()).setPong(Pong.getDefaultInstance()).build()));
        listener = ClientListener.start(new ClientListener.Settings("127.0.0.1", 0, 1 << 20, MAX_IN_FLIGHT, 16,
                64 * 1024), 1, "auto", mixed);
        int total = 30_000;
        java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
        for (int i = 1; i <= total; i++) {
            burst.write(RawClient.frame(ping(i).toByteArray()));
        }
        try (RawClient c = new RawClient(listener.localAddress())) {
            c.sendRaw(burst.toByteArray());
            await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.holding.get() == MAX_IN_FLIGHT);
            Thread.sleep(200); // let the read that is in progress queue what it decoded
            dispatcher.releaseAll();
            Set<Long> ids = new HashSet<>();
            for (int i = 0; i < total; i++) {
                ids.add(c.read().getRequestId());
            }
            assertThat(ids).hasSize(total);
        }
    }

    @Test
    void drainAnswersEveryRequestAlreadyReadAndNewConnectionsAreRefused() throws Exception {
        start();
        try (RawClient c = new RawClient(listener.localAddress())) {
            for (int i = 1; i <= 5; i++) {
                c.send(ping(i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.holding.get() == 5);
            var address = listener.localAddress();
            listener.stopAccepting();
            assertThatThrownBy(() -> new RawClient(address)).isInstanceOf(ConnectException.class);

            Thread releaser = new Thread(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                dispatcher.releaseAll();
            });
            releaser.start();
            assertThat(listener.drain(Duration.ofSeconds(10))).isTrue();
            releaser.join();
            Set<Long> ids = new HashSet<>();
            for (int i = 0; i < 5; i++) {
                ids.add(c.read().getRequestId());
            }
            assertThat(ids).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
        }
    }

    @Test
    void connectionsOverTheLimitAreRefusedWithAnError() throws Exception {
        listener = ClientListener.start(new ClientListener.Settings("127.0.0.1", 0, 1 << 20, MAX_IN_FLIGHT, 1,
                64 * 1024), 1, "auto", request -> CompletableFuture.completedFuture(Reply.of(
                Response.newBuilder().setRequestId(request.getRequestId()).setPong(Pong.getDefaultInstance()).build())));
        try (RawClient first = new RawClient(listener.localAddress())) {
            assertThat(first.call(ping(1)).hasPong()).isTrue();
            try (RawClient second = new RawClient(listener.localAddress())) {
                Response r = second.read();
                assertThat(r.getError().getCode()).isEqualTo(io.murmur.proto.client.ErrorCode.RATE_LIMITED);
                assertThat(second.closedByPeer()).isTrue();
            } catch (IOException e) {
                throw new AssertionError("the refused connection should get an error reply first", e);
            }
            assertThat(first.call(ping(2)).hasPong()).isTrue();
        }
    }
}
