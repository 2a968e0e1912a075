package io.murmur.server;

import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.replication.Replication;
import io.murmur.replication.ReplicationSettings;
import io.murmur.replication.Topology;
import io.murmur.runtime.Clock;
import io.murmur.runtime.HintStore;
import io.murmur.runtime.PeerNetwork;
import io.murmur.runtime.Scheduler;
import io.murmur.runtime.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The replication core on a real node: its timers fire on one small timer thread and run
 * on the request executor (a deadline may write hints, which touches the disk), and the
 * core is called from request threads for clients' requests and peers' messages alike.
 */
final class ReplicationService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicationService.class);

    private final ScheduledExecutorService timer;
    private final Replication replication;
    private final Topology topology;
    private final Executor work;
    private final long maxPendingBytes;
    private final java.util.concurrent.atomic.AtomicLong pendingBytes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.LongAdder dropped = new java.util.concurrent.atomic.LongAdder();

    ReplicationService(String nodeId, String peerAddress, ReplicationSettings settings, Storage storage,
                       HintStore hints, Executor work, long maxPendingBytes, PeerNetwork<ReplicaMessage> network,
                       Topology topology) {
        this.work = work;
        this.maxPendingBytes = maxPendingBytes;
        ScheduledThreadPoolExecutor timerPool = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, "murmur-replication-timer");
            t.setDaemon(true);
            return t;
        });
        // nearly every deadline is cancelled (the request finished first): drop them at once
        // rather than wake the timer thread for each when it falls due
        timerPool.setRemoveOnCancelPolicy(true);
        this.timer = timerPool;
        Scheduler scheduler = (task, delay, unit) -> {
            try {
                ScheduledFuture<?> f = timer.schedule(() -> {
                    try {
                        work.execute(task);
                    } catch (RejectedExecutionException e) {
                        // stopping
                    }
                }, delay, unit);
                return () -> f.cancel(false);
            } catch (RejectedExecutionException e) {
                return () -> false; // stopping
            }
        };
        this.topology = topology;
        this.replication = new Replication(nodeId, peerAddress, settings, storage, hints, Clock.SYSTEM, scheduler,
                network, topology);
        if (settings.readsMayBeStale()) {
            log.warn("replication.r ({}) + replication.w ({}) <= replication.n ({}): a read may miss the latest "
                    + "acknowledged write", settings.r(), settings.w(), settings.n());
        }
        replication.start();
    }

    /** Whether the node knows the whole ring and coordinates requests. */
    boolean isReady() {
        return topology.ready();
    }

    Replication replication() {
        return replication;
    }

    /**
     * Receives a peer's replica message, on the replica network thread that read it.
     * Answers to this node's own requests, reads the record cache answers, and copies whose
     * record the store knows from memory and takes without waiting are handled right there;
     * whatever else touches storage goes to a request thread, at most
     * {@code maxPendingBytes} of it waiting (beyond that it is dropped and counted, and
     * its sender times out as it would for a lost message).
     */
    void onMessage(String from, ReplicaMessage message) {
        if (replication.handledWithoutStorage(message)) {
            replication.onMessage(from, message);
            return;
        }
        if (replication.answerReadFromMemory(message) || replication.storeWithoutBlocking(message)) {
            return;
        }
        long bytes = message.getSerializedSize();
        if (pendingBytes.addAndGet(bytes) > maxPendingBytes) {
            pendingBytes.addAndGet(-bytes);
            dropped.increment();
            return;
        }
        try {
            work.execute(() -> {
                pendingBytes.addAndGet(-bytes);
                replication.onMessage(from, message);
            });
        } catch (RejectedExecutionException e) {
            pendingBytes.addAndGet(-bytes);
            dropped.increment();
        }
    }

    /** Replica messages dropped because the request threads were too far behind, or stopping. */
    long droppedMessages() {
        return dropped.sum();
    }

    @Override
    public void close() {
        replication.stop();
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
