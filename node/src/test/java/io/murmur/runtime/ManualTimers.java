package io.murmur.runtime;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * A hand-cranked clock and the timers of several cores on it: time moves only when a test
 * advances it, and due timers run then, in order, except those of nodes the test says are
 * stopped. The wall clock is the monotonic one plus an offset a test may move on its own.
 */
public final class ManualTimers implements Clock {
    private record Timer(long at, long seq, String node, Runnable task) {
    }

    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> a.at != b.at
            ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long now;
    private long wallOffsetMillis;
    private long seq;

    public ManualTimers(long startNanos, long wallOffsetMillis) {
        this.now = startNanos;
        this.wallOffsetMillis = wallOffsetMillis;
    }

    @Override
    public long nanos() {
        return now;
    }

    @Override
    public long wallMillis() {
        return wallOffsetMillis + now / 1_000_000;
    }

    /** Moves the wall clock alone. */
    public void skewWall(Duration d) {
        wallOffsetMillis += d.toMillis();
    }

    /** The timers of {@code node}. */
    public Scheduler scheduler(String node) {
        return (task, delay, unit) -> {
            Timer t = new Timer(now + unit.toNanos(delay), seq++, node, task);
            timers.add(t);
            return () -> timers.remove(t);
        };
    }

    /** Moves time forward by {@code d}, running the due timers of nodes not {@code stopped}. */
    public void advance(Duration d, Predicate<String> stopped) {
        long end = now + d.toNanos();
        while (!timers.isEmpty() && timers.peek().at() <= end) {
            Timer t = timers.poll();
            now = Math.max(now, t.at());
            if (!stopped.test(t.node())) {
                t.task().run();
            }
        }
        now = end;
    }
}
