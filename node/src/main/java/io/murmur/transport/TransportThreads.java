package io.murmur.transport;

import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Names a traffic class's event-loop threads ({@code murmur-gossip-…}, {@code murmur-replica-…})
 * and remembers them, so that closing can wait until they have ended.
 */
final class TransportThreads implements ThreadFactory {
    private final DefaultThreadFactory names;
    private final List<Thread> started = new CopyOnWriteArrayList<>();

    TransportThreads(String prefix) {
        this.names = new DefaultThreadFactory(prefix, true);
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = names.newThread(task);
        started.add(thread);
        return thread;
    }

    /** Whether {@code thread} is one of these. */
    boolean owns(Thread thread) {
        return started.contains(thread);
    }

    /** Waits up to {@code timeoutMillis} for every thread to end; whether they all did. */
    boolean join(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        boolean interrupted = false;
        try {
            for (Thread thread : started) {
                while (thread.isAlive()) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        thread.join(left);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
