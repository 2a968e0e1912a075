package io.murmur.membership;

import io.murmur.proto.peer.GossipMessage;
import io.murmur.runtime.Clock;
import io.murmur.runtime.ManualTimers;
import io.murmur.runtime.PeerNetwork;
import io.murmur.runtime.Scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A few membership cores on one hand-cranked clock: timers run when the test advances
 * time, messages wait in a queue until the test delivers them (or drops them). Every
 * message sent is also kept in {@link #sent}, for tests that look at what a core said.
 */
final class FakeCluster implements Clock {
    /** One message on its way. */
    record Envelope(String from, String to, GossipMessage message) {
    }

    private final ManualTimers time = new ManualTimers(1_000_000_000L, 0);
    private final Map<String, Membership> cores = new LinkedHashMap<>();
    private final Set<String> stopped = new HashSet<>();
    private final Map<String, Long> generations = new HashMap<>();
    final List<Envelope> inFlight = new ArrayList<>();
    final List<Envelope> sent = new ArrayList<>();
    private final MembershipSettings settings;
    private final long seed;

    FakeCluster(MembershipSettings settings, long seed) {
        this.settings = settings;
        this.seed = seed;
    }

    @Override
    public long nanos() {
        return time.nanos();
    }

    @Override
    public long wallMillis() {
        return time.wallMillis();
    }

    /** Makes and starts a core named {@code id} (its address too), with a growing generation per id. */
    Membership start(String id, List<String> seeds) {
        long generation = generations.merge(id, 1L, Long::sum);
        stopped.remove(id);
        Membership m = create(id, seeds, generation);
        cores.put(id, m);
        m.start();
        return m;
    }

    /** Makes a core without starting it. */
    Membership create(String id, List<String> seeds, long generation) {
        return create(id, seeds, generation, false);
    }

    /** Makes and starts a core that restarts as a member, remembering {@code remembered}. */
    Membership restart(String id, List<String> seeds, List<io.murmur.proto.peer.MemberState> remembered) {
        long generation = generations.merge(id, 1L, Long::sum);
        stopped.remove(id);
        Membership m = create(id, seeds, generation, true);
        m.remember(remembered);
        cores.put(id, m);
        m.start();
        return m;
    }

    private Membership create(String id, List<String> seeds, long generation, boolean rejoining) {
        Scheduler scheduler = time.scheduler(id);
        PeerNetwork<GossipMessage> network = (to, message) -> {
            Envelope e = new Envelope(id, to, message);
            sent.add(e);
            if (!stopped.contains(id)) {
                inFlight.add(e);
            }
        };
        return new Membership(settings, new Membership.Identity(id, id, id, "r1", 8, 1, generation, rejoining), seeds, this,
                scheduler, network, new SplittableRandom(seed * 31 + id.hashCode() * 17L + generation), null);
    }

    Membership core(String id) {
        return cores.get(id);
    }

    /** Stops {@code id} as a crash would: its timers and messages to it are dropped from now on. */
    void crash(String id) {
        stopped.add(id);
        cores.get(id).stop();
    }

    /** Delivers every message in flight, and those they cause, until none is left. */
    void deliverAll() {
        for (int guard = 0; !inFlight.isEmpty(); guard++) {
            if (guard > 1_000_000) {
                throw new IllegalStateException("messages keep causing messages");
            }
            Envelope e = inFlight.remove(0);
            if (!stopped.contains(e.to()) && cores.containsKey(e.to())) {
                cores.get(e.to()).onMessage(e.from(), e.message());
            }
        }
    }

    /** Drops every message in flight that matches. */
    int drop(Predicate<Envelope> which) {
        int before = inFlight.size();
        inFlight.removeIf(which);
        return before - inFlight.size();
    }

    /** Moves time forward by {@code d}, running timers as they fall due; messages stay queued. */
    void advance(Duration d) {
        time.advance(d, stopped::contains);
    }

    /** Runs for {@code d} in steps of {@code step}, delivering everything after each step. */
    void run(Duration d, Duration step) {
        long end = time.nanos() + d.toNanos();
        while (time.nanos() < end) {
            advance(Duration.ofNanos(Math.min(step.toNanos(), end - time.nanos())));
            deliverAll();
        }
    }

    /** Runs for {@code d} in 10 ms steps, delivering everything after each. */
    void run(Duration d) {
        run(d, Duration.ofMillis(10));
    }

    /** Messages sent so far that match. */
    List<Envelope> sentWhere(Predicate<Envelope> which) {
        return sent.stream().filter(which).toList();
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
