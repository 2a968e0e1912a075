package io.murmur.server;

import io.murmur.antientropy.AntiEntropy;
import io.murmur.antientropy.AntiEntropySettings;
import io.murmur.antientropy.TrackedStorage;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.replication.Tombstones;
import io.murmur.replication.Topology;
import io.murmur.ring.TokenRange;
import io.murmur.runtime.Clock;
import io.murmur.runtime.PeerNetwork;
import io.murmur.runtime.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The anti-entropy core on a real node. The core is not thread-safe, so it lives on one
 * thread of its own ("murmur-anti-entropy"): its timers fire there, peers' repair messages
 * are posted there from the replica network threads, and so are clients' repair requests.
 * The trees are built there too, at the first tick once the ring is known, so a node with
 * much data starts serving at once and builds them meanwhile.
 */
final class AntiEntropyService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AntiEntropyService.class);

    private final String nodeId;
    private final ScheduledThreadPoolExecutor thread;
    private final AntiEntropy core;
    private final long maxPendingBytes;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final LongAdder dropped = new LongAdder();
    /** Rebuilds, ranges and keys as last logged (touched on the anti-entropy thread only). */
    private long loggedRebuilds;
    private long loggedRanges;
    private long loggedKeys;
    /** The last on-demand repair whose end was logged. */
    private AntiEntropy.Job loggedJob;

    /** Why a repair could not start. */
    static final class RepairRefused extends RuntimeException {
        enum Reason { RUNNING, NOT_READY, STOPPING }

        private final Reason reason;

        RepairRefused(Reason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        Reason reason() {
            return reason;
        }
    }

    AntiEntropyService(String nodeId, String peerAddress, AntiEntropySettings settings, int n,
                       TrackedStorage storage, Tombstones tombstones, PeerNetwork<ReplicaMessage> network,
                       Topology topology, long maxPendingBytes) {
        this.nodeId = nodeId;
        this.maxPendingBytes = maxPendingBytes;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, "murmur-anti-entropy");
            t.setDaemon(true);
            return t;
        });
        // a session's request timeout is cancelled at nearly every answer: drop it at once
        executor.setRemoveOnCancelPolicy(true);
        // at close, the next tick and pending timeouts are dropped, not waited for
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.thread = executor;
        Scheduler scheduler = (task, delay, unit) -> {
            try {
                ScheduledFuture<?> f = thread.schedule(() -> run(task), delay, unit);
                return () -> f.cancel(false);
            } catch (RejectedExecutionException e) {
                return () -> false; // stopping
            }
        };
        this.core = new AntiEntropy(nodeId, peerAddress, settings, n, storage, tombstones, Clock.SYSTEM, scheduler,
                network, topology);
        // from here on a tombstone is purged only once a repair has covered its range
        tombstones.requireRepair(core, settings.clockSkewMillis());
        if (settings.intervalMillis() == 0) {
            log.warn("anti_entropy.interval_seconds is 0: no scheduled repair; tombstones are purged only once an "
                    + "on-demand repair (murmur repair) has covered their range");
        }
    }

    /** Starts the core: its first tick, on the anti-entropy thread, builds the trees once the ring is known. */
    void start() {
        post(core::start);
    }

    /** Runs a task of the core, then logs a tree build it did. On the anti-entropy thread. */
    private void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("anti-entropy task failed", e);
        }
        AntiEntropy.Stats s = core.stats();
        long rebuilds = s.treeRebuilds.get();
        if (rebuilds != loggedRebuilds) {
            long ranges = s.rangesRebuilt.get();
            long keys = s.keysRebuilt.get();
            log.info("node {} built Merkle trees for {} ranges ({} keys) in {} ms; {} trees in all", nodeId,
                    ranges - loggedRanges, keys - loggedKeys, s.lastRebuildMillis.get(),
                    core.trees().ranges().size());
            loggedRebuilds = rebuilds;
            loggedRanges = ranges;
            loggedKeys = keys;
        }
        AntiEntropy.Job job = core.job();
        if (job != null && job.isDone() && job != loggedJob) {
            loggedJob = job;
            log.info("repair on {} {} in {} ms: {} of {} sessions failed{}; {} ranges compared, {} differing; "
                            + "keys {} sent, {} received; {} bytes", nodeId,
                    job.failure() == null ? "done" : "stopped (" + job.failure() + ")",
                    job.elapsedMillis(System.nanoTime()), job.sessionsFailed(), job.sessions(),
                    job.lastSessionFailure() == null ? "" : " (last: " + job.lastSessionFailure() + ")",
                    job.rangesCompared(), job.rangesDiffering(), job.keysSent(), job.keysReceived(), job.bytes());
        }
    }

    private boolean post(Runnable task) {
        try {
            thread.execute(() -> run(task));
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * A peer's repair message, on the replica network thread that read it: posted to the
     * anti-entropy thread, at most {@code maxPendingBytes} of them waiting (beyond that it
     * is dropped and counted; its sender times out as for a lost message).
     */
    void onMessage(ReplicaMessage message) {
        long bytes = message.getSerializedSize();
        if (pendingBytes.addAndGet(bytes) > maxPendingBytes) {
            pendingBytes.addAndGet(-bytes);
            dropped.increment();
            return;
        }
        if (!post(() -> {
            pendingBytes.addAndGet(-bytes);
            core.onMessage(message);
        })) {
            pendingBytes.addAndGet(-bytes);
            dropped.increment();
        }
    }

    /**
     * Starts an on-demand repair of this node's ranges overlapping {@code only} (every range
     * when null). Completes on the anti-entropy thread with the job, or with
     * {@link RepairRefused} when one runs already or the node does not know the ring yet.
     */
    CompletableFuture<AntiEntropy.Job> repair(TokenRange only) {
        CompletableFuture<AntiEntropy.Job> result = new CompletableFuture<>();
        boolean posted = post(() -> {
            AntiEntropy.Job running = core.job();
            if (running != null && !running.isDone()) {
                result.completeExceptionally(new RepairRefused(RepairRefused.Reason.RUNNING,
                        "a repair is already running on " + nodeId + " (" + running.progress() + " done)"));
                return;
            }
            try {
                AntiEntropy.Job job = core.repair(only);
                log.info("repair started on {}: {} ranges, {} sessions{}", nodeId, job.ranges(), job.sessions(),
                        only == null ? "" : " (ranges overlapping " + only + ")");
                result.complete(job);
            } catch (IllegalStateException e) {
                result.completeExceptionally(new RepairRefused(RepairRefused.Reason.NOT_READY, e.getMessage()));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        if (!posted) {
            result.completeExceptionally(new RepairRefused(RepairRefused.Reason.STOPPING, "node is shutting down"));
        }
        return result;
    }

    /** The on-demand repair running or last run, or null; any thread. */
    AntiEntropy.Job job() {
        return core.job();
    }

    /** Counters since start; any thread. */
    AntiEntropy.Stats stats() {
        return core.stats();
    }

    /** Trees this node keeps now; any thread. */
    int trees() {
        return core.trees().ranges().size();
    }

    /** The core, for tests that compare trees. Touch it only from the anti-entropy thread ({@link #call}). */
    AntiEntropy core() {
        return core;
    }

    /** Runs {@code work} on the anti-entropy thread and completes with its result. */
    <T> CompletableFuture<T> call(java.util.function.Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (!post(() -> {
            try {
                result.complete(work.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        })) {
            result.completeExceptionally(new RejectedExecutionException("anti-entropy is stopped"));
        }
        return result;
    }

    /** Repair messages dropped because the anti-entropy thread was too far behind, or stopping. */
    long droppedMessages() {
        return dropped.sum();
    }

    /** Stops the core on its thread (a session in flight is abandoned), then the thread. */
    @Override
    public void close() {
        post(core::stop);
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                thread.shutdownNow();
                thread.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
