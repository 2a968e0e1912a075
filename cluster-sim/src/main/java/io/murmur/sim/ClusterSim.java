package io.murmur.sim;

import io.murmur.membership.Liveness;
import io.murmur.membership.Membership;
import io.murmur.membership.MembershipSettings;
import io.murmur.proto.peer.GossipMessage;
import io.murmur.sim.experiments.ExperimentCommand;
import io.murmur.sim.gossip.GossipNode;
import io.murmur.sim.local.LocalCommand;
import io.murmur.sim.report.ReportCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import io.murmur.sim.antientropy.HintWindowScenario;
import io.murmur.sim.antientropy.RepairScenario;
import io.murmur.sim.antientropy.WipeScenario;
import io.murmur.sim.replication.FaultsScenario;
import io.murmur.sim.replication.RepairTotals;
import picocli.CommandLine.Option;

import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** Entry point of {@code bin/cluster-sim.sh}. */
@Command(name = "cluster-sim", mixinStandardHelpOptions = true,
        description = {"Murmur's deterministic cluster simulator, its experiments, and a launcher of local",
                "clusters of real nodes."},
        subcommands = {ClusterSim.Sim.class, ExperimentCommand.class, LocalCommand.class, ReportCommand.class})
public final class ClusterSim implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ClusterSim()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** Parses 60s, 2m, 500ms, 1h. */
    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new IllegalArgumentException();
            };
        } catch (RuntimeException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a duration like 500ms, 60s, 2m, 1h");
        }
    }

    /** {@code sim}: a seeded run of many nodes with faults; prints the trace hash last. */
    @Command(name = "sim", mixinStandardHelpOptions = true,
            description = {"Runs a simulated cluster on virtual time with seeded faults.",
                    "Nodes run the membership core (gossip, failure detection) by default, or a demo process",
                    "that exercises the kernel. The same seed gives the same trace hash."})
    static final class Sim implements Callable<Integer> {
        @Option(names = "--seed", description = "Seed of the run (default: ${DEFAULT-VALUE}).", defaultValue = "1")
        long seed;

        @Option(names = "--nodes", description = "Number of nodes (default: 10; 5 with --scenario).")
        Integer nodeCount;

        @Option(names = "--duration", description = "Virtual time to run, e.g. 60s (default: 60s; for --scenario "
                + "faults and repair, how long faults keep coming, followed by quiet).",
                converter = DurationConverter.class)
        Duration durationOption;

        @Option(names = "--scenario", description = "A checked scenario instead of --process, on a replicated "
                + "cluster (N=3 R=W=2; membership, replication and anti-entropy cores): faults (clients read and "
                + "write through random nodes while crashes, pauses, partitions and loss come and go; checked: no "
                + "acknowledged write is lost, every later read sees it or a successor, and after the faults every "
                + "replica holds it and no hint is left); repair (the same with deletes, 300 keys and a 5 s hint "
                + "window; also checked: once the faults are over, every replica of every range has the same "
                + "Merkle root within 60 s); wipe (a node loses its disk and anti-entropy refills it); hint-window "
                + "(a node down past the hint window is brought up to date by anti-entropy alone).")
        String scenario;

        @Option(names = "--tombstone-grace", description = "With --scenario repair: purge tombstones after this "
                + "long (at least the run's 5 s hint window) once a repair has covered them; default: 10 days, so "
                + "none is purged during a run.", converter = DurationConverter.class)
        Duration tombstoneGrace;

        @Option(names = "--scheduled-only", description = "With --scenario wipe: the wiped node runs no on-demand "
                + "repair; scheduled sessions alone refill it.")
        boolean scheduledOnly;

        @Option(names = "--seeds", description = "With --scenario: run this many seeds from --seed on "
                + "(default: ${DEFAULT-VALUE}).", defaultValue = "1")
        int seeds;

        int nodes;
        Duration duration;

        @Option(names = "--no-faults", description = "Run without faults.")
        boolean noFaults;

        @Option(names = "--process", description = "What nodes run: gossip (the membership core; checked: after "
                + "the faults every node sees every other ALIVE and all agree on the ring), heartbeat (a demo "
                + "push-pull exchange of heartbeat tables) or ping (one small message a second, to measure the "
                + "kernel). Default: ${DEFAULT-VALUE}.", defaultValue = "gossip")
        String process;

        @Option(names = "--mean-fault-gap", description = "Mean virtual time between faults (default: ${DEFAULT-VALUE}).",
                defaultValue = "5s", converter = DurationConverter.class)
        Duration meanFaultGap;

        @Override
        public Integer call() {
            if (scenario != null) {
                return runScenario();
            }
            nodes = nodeCount == null ? 10 : nodeCount;
            duration = durationOption == null ? Duration.ofSeconds(60) : durationOption;
            if (nodes < 1) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--nodes must be >= 1");
            }
            LinkModel link = LinkModel.LAN;
            if (process.equals("ping")) {
                return runPing(link);
            }
            if (process.equals("gossip")) {
                return runGossip(link);
            }
            if (!process.equals("heartbeat")) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--process must be gossip, heartbeat or ping, not " + process);
            }
            Simulation<HeartbeatDemo.Beat> sim = HeartbeatDemo.newSimulation(seed, link);
            Scenario<HeartbeatDemo.Beat> scenario = Scenario.on(sim).nodes(nodes, id -> new HeartbeatDemo(1_000));
            Duration faultsUntil = Duration.ofNanos(duration.toNanos() * 7 / 10);
            RandomFaults.Plan plan = noFaults ? new RandomFaults.Plan(java.util.List.of())
                    : RandomFaults.schedule(scenario, new SplittableRandom(seed ^ 0xfa17L), faultsUntil, meanFaultGap,
                    link);
            Map<String, Long> beatsAtQuiet = new HashMap<>();
            endFaults(scenario, faultsUntil.plusSeconds(1), link);
            scenario.at(faultsUntil.plusSeconds(2), "note heartbeats", s -> {
                for (String id : s.nodeIds()) {
                    HeartbeatDemo p = s.process(id);
                    beatsAtQuiet.put(id, p.heartbeat());
                }
            });
            System.err.printf(Locale.ROOT, "cluster-sim: seed %d, %d nodes, %s virtual, %d faults planned%n",
                    seed, nodes, duration, plan.faults().size());
            plan.faults().forEach(f -> System.err.println("  " + f));
            Scenario.Report report = scenario.run(duration);

            long missing = 0;
            for (String a : sim.nodeIds()) {
                HeartbeatDemo p = sim.process(a);
                for (String b : sim.nodeIds()) {
                    if (p.heard(b) < beatsAtQuiet.getOrDefault(b, 0L)) {
                        missing++;
                    }
                }
            }
            printRun(report, sim);
            System.out.println("converged after faults: " + (missing == 0 ? "yes"
                    : "no (" + missing + " stale node-to-node views)"));
            System.out.println("trace-hash: " + report.traceHashHex());
            return missing == 0 ? 0 : 1;
        }

        /** One seed of a checked scenario: its line, the first invariant it violated (or null), its faults. */
        private record Outcome(long seed, String summary, String violation, List<String> faults) {
        }

        /** Runs {@code --seeds} seeds of the scenario; the last line says whether every invariant held. */
        private int runScenario() {
            if (!List.of("faults", "repair", "wipe", "hint-window").contains(scenario)) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--scenario must be faults, repair, wipe or hint-window, not " + scenario);
            }
            if (seeds < 1) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--seeds must be >= 1");
            }
            int n = nodeCount == null ? 5 : nodeCount;
            if (n < 3) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--nodes must be >= 3 for --scenario " + scenario + " (N=3)");
            }
            if (tombstoneGrace != null && !scenario.equals("repair")) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--tombstone-grace goes with --scenario repair");
            }
            if (tombstoneGrace != null && tombstoneGrace.toMillis() < RepairScenario.Options.defaults().settings()
                    .hintWindowMillis()) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--tombstone-grace must be at least the run's hint window (5s)");
            }
            if (scheduledOnly && !scenario.equals("wipe")) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--scheduled-only goes with --scenario wipe");
            }
            if (scenario.equals("hint-window") && nodeCount != null && nodeCount != 5) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--scenario hint-window runs 5 nodes");
            }
            Totals totals = new Totals();
            Outcome failed = null;
            for (long s = seed; s < seed + seeds; s++) {
                Outcome outcome = switch (scenario) {
                    case "faults" -> faults(s, n);
                    case "repair" -> repair(s, n, totals);
                    case "wipe" -> wipe(s, n, totals);
                    default -> hintWindow(s, totals);
                };
                System.out.println(outcome.summary());
                if (outcome.violation() != null && failed == null) {
                    failed = outcome;
                }
            }
            if (!scenario.equals("faults")) {
                System.out.println(totals.line(seeds));
            }
            if (failed == null) {
                System.out.println("invariants: ok (" + seeds + " seeds)");
                return 0;
            }
            if (!failed.faults().isEmpty()) {
                System.out.println("faults of seed " + failed.seed() + ":");
                failed.faults().forEach(f -> System.out.println("  " + f));
            }
            System.out.println("invariants: VIOLATED with seed " + failed.seed() + ": " + failed.violation()
                    + " (replay: bin/cluster-sim.sh sim --scenario " + scenario + " --seed " + failed.seed()
                    + (nodeCount == null ? "" : " --nodes " + nodeCount)
                    + (durationOption == null ? "" : " --duration " + durationOption.toSeconds() + "s")
                    + (tombstoneGrace == null ? "" : " --tombstone-grace " + tombstoneGrace.toSeconds() + "s")
                    + (scheduledOnly ? " --scheduled-only" : "") + ")");
            return 1;
        }

        private Outcome faults(long s, int n) {
            FaultsScenario.Options defaults = FaultsScenario.Options.defaults();
            FaultsScenario.Options options = new FaultsScenario.Options(n, defaults.keys(), defaults.opGap(),
                    durationOption == null ? defaults.faultsFor() : durationOption, defaults.meanGap(),
                    defaults.quietFor(), defaults.settings());
            FaultsScenario.Result r = FaultsScenario.run(s, options);
            return new Outcome(s, r.summary(), r.ok() ? null : r.violations().get(0), r.faults());
        }

        private Outcome repair(long s, int n, Totals totals) {
            RepairScenario.Options options = RepairScenario.Options.defaults().withNodes(n);
            if (durationOption != null) {
                options = options.withFaultsFor(durationOption);
            }
            if (tombstoneGrace != null) {
                options = options.withTombstoneGraceMillis(tombstoneGrace.toMillis());
            }
            RepairScenario.Result r = RepairScenario.run(s, options);
            totals.faults += r.faults().size();
            totals.keys += r.writesAcked() + r.deletesAcked();
            totals.reads += r.readsChecked();
            totals.sessions += r.repairs().sessions();
            totals.repairedKeys += r.repairs().keys();
            totals.bytes += r.repairs().bytes();
            totals.converged(r.convergedSeconds());
            return new Outcome(s, r.summary(), r.ok() ? null : r.violations().get(0), r.faults());
        }

        private Outcome wipe(long s, int n, Totals totals) {
            WipeScenario.Result r = WipeScenario.run(s, WipeScenario.Options.defaults().withNodes(n)
                    .withOnDemand(!scheduledOnly));
            totals.keys += r.acknowledged();
            totals.sessions += r.repairs().sessions();
            totals.repairedKeys += r.repairs().keys();
            totals.bytes += r.repairs().bytes();
            totals.converged(r.convergedSeconds());
            String violation = r.converged() ? null : "the wiped replica " + r.victim() + " did not converge within "
                    + r.options().limit().toSeconds() + " s" + (r.divergedAtEnd().isEmpty() ? ""
                    : "; ranges differing: " + r.divergedAtEnd()) + (r.mismatches().isEmpty() ? ""
                    : "; records differing: " + r.mismatches());
            return new Outcome(s, r.summary(), violation, List.of());
        }

        private Outcome hintWindow(long s, Totals totals) {
            HintWindowScenario.Result r = HintWindowScenario.run(s, HintWindowScenario.Options.defaults());
            totals.keys += r.acknowledged();
            totals.sessions += r.repairs().sessions();
            totals.repairedKeys += r.repairs().keys();
            totals.bytes += r.repairs().bytes();
            totals.converged(r.convergedSeconds());
            String violation = null;
            if (r.hintsExpired() == 0 || r.hintsReplayed() > 0) {
                violation = "the run did not test what it should: " + r.hintsExpired() + " hints expired, "
                        + r.hintsReplayed() + " replayed";
            } else if (!r.converged()) {
                violation = "n3 did not converge within " + r.options().limit().toSeconds() + " s of its return"
                        + (r.missingCount() == 0 ? "" : "; " + r.missingCount() + " acknowledged writes missing")
                        + (r.divergedAtEnd().isEmpty() ? "" : "; ranges differing: " + r.divergedAtEnd());
            }
            return new Outcome(s, r.summary(), violation, List.of());
        }

        /** Sums over the seeds of an anti-entropy scenario. */
        private static final class Totals {
            long faults;
            long keys;
            long reads;
            long sessions;
            long repairedKeys;
            long bytes;
            int convergedRuns;
            double convergedSum;
            double convergedMax;

            void converged(double seconds) {
                if (!Double.isNaN(seconds)) {
                    convergedRuns++;
                    convergedSum += seconds;
                    convergedMax = Math.max(convergedMax, seconds);
                }
            }

            String line(int seeds) {
                return String.format(Locale.ROOT, "total: %d seeds, %d faults, %d writes acknowledged, %d reads "
                                + "checked, %d repair sessions, %d keys repaired, %s; converged in %d of %d runs, "
                                + "mean %.1f s, max %.1f s", seeds, faults, keys, reads, sessions, repairedKeys,
                        RepairTotals.bytes(bytes), convergedRuns, seeds,
                        convergedRuns == 0 ? Double.NaN : convergedSum / convergedRuns, convergedMax);
            }
        }

        private static <M> void endFaults(Scenario<M> scenario, Duration at, LinkModel link) {
            scenario.at(at, "faults over", s -> {
                s.heal();
                s.setLink(link);
                for (String id : s.nodeIds()) {
                    if (s.state(id) == Simulation.NodeState.CRASHED) {
                        s.restart(id);
                    } else if (s.state(id) == Simulation.NodeState.PAUSED) {
                        s.resume(id);
                    }
                }
            });
        }

        /** What every run prints: time, events, traffic and memory (the simulation kept alive). */
        private void printRun(Scenario.Report report, Simulation<?> sim) {
            System.out.printf(Locale.ROOT, "virtual time: %.1fs%n", report.virtualNanos() / 1e9);
            System.out.printf(Locale.ROOT, "events: %d (%.0f events/s wall)%n", report.events(),
                    report.eventsPerSecond());
            System.out.println("network: " + sim.networkStats());
            long heap = heapAfterGc();
            Reference.reachabilityFence(sim);
            System.out.printf(Locale.ROOT, "memory: %.1f MiB heap after GC, %.1f KiB per node%n",
                    heap / 1048576.0, heap / 1024.0 / nodes);
        }

        /**
         * The membership core under seeded faults. Once the faults are over (crashed nodes
         * restarted, paused ones resumed, partitions healed) every node must see every other
         * ALIVE and all must agree on the ring by the end of the run.
         */
        private int runGossip(LinkModel link) {
            Simulation<GossipMessage> sim = GossipNode.newSimulation(seed, link);
            List<String> seeds = new ArrayList<>();
            int width = Integer.toString(nodes).length();
            for (int i = 1; i <= Math.min(2, nodes); i++) {
                seeds.add("n" + String.format(Locale.ROOT, "%0" + width + "d", i)); // as Scenario names them
            }
            Scenario<GossipMessage> scenario = Scenario.on(sim).nodes(nodes, id -> new GossipNode(
                    MembershipSettings.DEFAULTS, seeds, "rack-" + Math.floorMod(id.hashCode(), 3), 16));
            Duration faultsUntil = Duration.ofNanos(duration.toNanos() * 7 / 10);
            RandomFaults.Plan plan = noFaults ? new RandomFaults.Plan(List.of())
                    : RandomFaults.schedule(scenario, new SplittableRandom(seed ^ 0xfa17L), faultsUntil, meanFaultGap,
                    link);
            endFaults(scenario, faultsUntil.plusSeconds(1), link);
            System.err.printf(Locale.ROOT, "cluster-sim: seed %d, %d nodes, %s virtual, gossip, %d faults planned%n",
                    seed, nodes, duration, plan.faults().size());
            plan.faults().forEach(f -> System.err.println("  " + f));
            Scenario.Report report = scenario.run(duration);

            long disagreements = 0;
            Long fingerprint = null;
            long downVerdicts = 0;
            for (String a : sim.nodeIds()) {
                Membership m = sim.<GossipNode>process(a).membership();
                downVerdicts += m.stats().markedDown;
                for (String b : sim.nodeIds()) {
                    if (m.liveness(b).orElse(null) != Liveness.ALIVE) {
                        disagreements++;
                    }
                }
                long f = m.ringFingerprint();
                if (fingerprint == null) {
                    fingerprint = f;
                } else if (fingerprint != f) {
                    disagreements++;
                }
            }
            printRun(report, sim);
            System.out.println("DOWN verdicts during the run: " + downVerdicts);
            System.out.println("converged after faults: " + (disagreements == 0 ? "yes"
                    : "no (" + disagreements + " node-to-node views not ALIVE or rings that differ)"));
            System.out.println("trace-hash: " + report.traceHashHex());
            return disagreements == 0 ? 0 : 1;
        }

        private int runPing(LinkModel link) {
            Simulation<Long> sim = new Simulation<>(seed, link, m -> "ping", m -> 8);
            Scenario<Long> scenario = Scenario.on(sim).nodes(nodes, id -> new PingDemo(1_000));
            RandomFaults.Plan plan = noFaults ? new RandomFaults.Plan(java.util.List.of())
                    : RandomFaults.schedule(scenario, new SplittableRandom(seed ^ 0xfa17L),
                    Duration.ofNanos(duration.toNanos() * 7 / 10), meanFaultGap, link);
            System.err.printf(Locale.ROOT, "cluster-sim: seed %d, %d nodes, %s virtual, ping, %d faults planned%n",
                    seed, nodes, duration, plan.faults().size());
            Scenario.Report report = scenario.run(duration);
            printRun(report, sim);
            System.out.println("trace-hash: " + report.traceHashHex());
            return 0;
        }
    }

    /** Heap in use after a full collection: an upper bound of what the simulation keeps. */
    static long heapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /** picocli converter for durations. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value);
        }
    }
}
