package io.murmur.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A readable script over a {@link Simulation}: build a cluster, schedule faults and
 * checks at virtual times, run, and get a {@link Report}.
 *
 * <pre>{@code
 * Report r = Scenario.<Msg>create(seed, LinkModel.LAN)
 *         .nodes(5, id -> new MyCore())
 *         .at(Duration.ofSeconds(10), "crash n2", sim -> sim.crash("n2"))
 *         .at(Duration.ofSeconds(30), "restart n2", sim -> sim.restart("n2"))
 *         .checkEvery(Duration.ofSeconds(1), "no lost writes", sim -> ...)
 *         .checkAtEnd("replicas converge", sim -> ...)
 *         .run(Duration.ofSeconds(60));
 * }</pre>
 *
 * Safety checks run while faults happen; end checks (liveness) after the run. A check
 * fails by throwing; the failure names the seed and the virtual time, so the run can be
 * replayed exactly.
 */
public final class Scenario<M> {
    private final Simulation<M> sim;
    private final List<String> log = new ArrayList<>();
    private final List<Check<M>> endChecks = new ArrayList<>();

    private record Check<M>(String name, Consumer<Simulation<M>> body) {
    }

    private Scenario(Simulation<M> sim) {
        this.sim = sim;
    }

    public static <M> Scenario<M> create(long seed, LinkModel link) {
        return new Scenario<>(new Simulation<>(seed, link));
    }

    public static <M> Scenario<M> on(Simulation<M> sim) {
        return new Scenario<>(sim);
    }

    public Simulation<M> simulation() {
        return sim;
    }

    /** Adds {@code count} nodes named {@code n1 .. nK}, each made by {@code factory}. */
    public Scenario<M> nodes(int count, Function<String, NodeProcess<M>> factory) {
        int width = Integer.toString(count).length();
        for (int i = 1; i <= count; i++) {
            String id = "n" + String.format(Locale.ROOT, "%0" + width + "d", i);
            sim.addNode(id, () -> factory.apply(id));
        }
        return this;
    }

    /** Runs {@code action} at virtual time {@code at} from now. */
    public Scenario<M> at(Duration at, String what, Consumer<Simulation<M>> action) {
        sim.schedule(at, what, () -> {
            log.add(String.format(Locale.ROOT, "%10.3fs %s", sim.now() / 1e9, what));
            action.accept(sim);
        });
        return this;
    }

    /** Runs a safety check every {@code period} from now until the run ends. */
    public Scenario<M> checkEvery(Duration period, String name, Consumer<Simulation<M>> check) {
        sim.schedule(period, "check " + name, new Runnable() {
            @Override
            public void run() {
                runCheck(name, check);
                sim.schedule(period, "check " + name, this);
            }
        });
        return this;
    }

    /** Runs a check once the run is over. */
    public Scenario<M> checkAtEnd(String name, Consumer<Simulation<M>> check) {
        endChecks.add(new Check<>(name, check));
        return this;
    }

    /** Runs for {@code duration} of virtual time, then the end checks. */
    public Report run(Duration duration) {
        long startEvents = sim.eventsRun();
        long wallStart = System.nanoTime();
        sim.runFor(duration);
        long wallNanos = System.nanoTime() - wallStart;
        for (Check<M> c : endChecks) {
            runCheck(c.name(), c.body());
        }
        return new Report(sim.seed(), sim.now(), sim.eventsRun() - startEvents, wallNanos, sim.traceHash(),
                List.copyOf(log));
    }

    private void runCheck(String name, Consumer<Simulation<M>> check) {
        try {
            check.accept(sim);
        } catch (AssertionError | RuntimeException e) {
            throw new InvariantViolation(String.format(Locale.ROOT,
                    "check '%s' failed at virtual time %.3fs with seed %d: %s", name, sim.now() / 1e9, sim.seed(),
                    e.getMessage()), e);
        }
    }

    /** A check failed; the message carries the seed that replays it. */
    public static final class InvariantViolation extends RuntimeException {
        InvariantViolation(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What a run did. */
    public record Report(long seed, long virtualNanos, long events, long wallNanos, long traceHash,
                         List<String> timeline) {
        public double eventsPerSecond() {
            return wallNanos == 0 ? 0 : events * 1e9 / wallNanos;
        }

        public String traceHashHex() {
            return String.format(Locale.ROOT, "%016x", traceHash);
        }
    }
}
