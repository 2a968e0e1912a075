package io.murmur.runtime;

import java.util.concurrent.TimeUnit;

/**
 * Timers, as the protocol cores see them. A real node schedules on its event loops; the
 * simulator puts the task in its discrete-event queue at the virtual deadline.
 */
public interface Scheduler {
    /** Runs {@code task} once after {@code delay}. */
    Cancellable schedule(Runnable task, long delay, TimeUnit unit);

    /** A scheduled task that can still be called off. */
    interface Cancellable {
        /** Cancels the task if it has not run; returns whether it was cancelled. */
        boolean cancel();
    }
}
