package io.murmur.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Seeded faults for a run: crashes with restarts, pauses, partitions and bursts of
 * message loss, arriving at random (exponential gaps around {@code meanGap}) until
 * {@code until}, so the rest of the run is quiet and liveness can be checked. Every
 * choice comes from the given generator, so the seed fixes the faults too.
 */
public final class RandomFaults {
    private RandomFaults() {
    }

    /** The faults scheduled, for the report. */
    public record Plan(List<String> faults) {
    }

    public static <M> Plan schedule(Scenario<M> scenario, SplittableRandom random, Duration until, Duration meanGap,
                                    LinkModel normalLink) {
        Simulation<M> sim = scenario.simulation();
        List<String> ids = sim.nodeIds();
        List<String> planned = new ArrayList<>();
        long t = 0;
        long end = until.toNanos();
        while (true) {
            t += (long) (-Math.log1p(-random.nextDouble()) * meanGap.toNanos());
            if (t >= end || ids.isEmpty()) {
                break;
            }
            Duration at = Duration.ofNanos(t);
            String node = ids.get(random.nextInt(ids.size()));
            long lastsNanos;
            switch (random.nextInt(4)) {
                case 0 -> {
                    lastsNanos = millis(random, 2_000, 20_000);
                    scenario.at(at, "crash " + node, s -> {
                        if (s.state(node) != Simulation.NodeState.CRASHED) {
                            s.crash(node);
                        }
                    });
                    scenario.at(at.plusNanos(lastsNanos), "restart " + node, s -> {
                        if (s.state(node) == Simulation.NodeState.CRASHED) {
                            s.restart(node);
                        }
                    });
                    planned.add(describe(at, "crash " + node, lastsNanos));
                }
                case 1 -> {
                    lastsNanos = millis(random, 500, 3_000);
                    scenario.at(at, "pause " + node, s -> s.pause(node));
                    scenario.at(at.plusNanos(lastsNanos), "resume " + node, s -> s.resume(node));
                    planned.add(describe(at, "pause " + node, lastsNanos));
                }
                case 2 -> {
                    lastsNanos = millis(random, 2_000, 15_000);
                    int size = 1 + random.nextInt(Math.max(1, ids.size() / 2));
                    List<String> side = new ArrayList<>(ids);
                    for (int i = side.size() - 1; i > 0; i--) {
                        int j = random.nextInt(i + 1);
                        String tmp = side.get(i);
                        side.set(i, side.get(j));
                        side.set(j, tmp);
                    }
                    List<String> cut = List.copyOf(side.subList(0, size));
                    scenario.at(at, "partition " + cut, s -> s.partition(cut));
                    scenario.at(at.plusNanos(lastsNanos), "heal", Simulation::heal);
                    planned.add(describe(at, "partition " + size + " node(s) away", lastsNanos));
                }
                default -> {
                    lastsNanos = millis(random, 1_000, 5_000);
                    double loss = 0.05 + random.nextDouble() * 0.25;
                    scenario.at(at, String.format(Locale.ROOT, "loss %.2f", loss),
                            s -> s.setLink(normalLink.withLoss(loss)));
                    scenario.at(at.plusNanos(lastsNanos), "loss off", s -> s.setLink(normalLink));
                    planned.add(describe(at, String.format(Locale.ROOT, "loss %.0f%%", loss * 100), lastsNanos));
                }
            }
        }
        return new Plan(planned);
    }

    private static long millis(SplittableRandom random, int min, int max) {
        return (min + random.nextInt(max - min + 1)) * 1_000_000L;
    }

    private static String describe(Duration at, String what, long lastsNanos) {
        return String.format(Locale.ROOT, "%8.3fs %s for %.1fs", at.toNanos() / 1e9, what, lastsNanos / 1e9);
    }
}
