package io.murmur.sim;

import io.murmur.membership.Liveness;
import io.murmur.membership.Membership;
import io.murmur.membership.MembershipSettings;
import io.murmur.proto.peer.GossipMessage;
import io.murmur.sim.experiments.ExperimentCommand;
import io.murmur.sim.gossip.GossipNode;
import io.murmur.sim.local.LocalCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import io.murmur.sim.replication.FaultsScenario;
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
        subcommands = {ClusterSim.Sim.class, ExperimentCommand.class, LocalCommand.class})
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

        @Option(names = "--nodes", description = "Number of nodes (default: 10; 5 for --scenario faults).")
        Integer nodeCount;

        @Option(names = "--duration", description = "Virtual time to run, e.g. 60s (default: 60s; for --scenario "
                + "faults, how long faults keep coming, followed by 40s of quiet).", converter = DurationConverter.class)
        Duration durationOption;

        @Option(names = "--scenario", description = "A checked scenario instead of --process: faults (clients read "
                + "and write through random nodes of a replicated cluster, N=3 R=W=2, while crashes, pauses, "
                + "partitions and loss come and go; checked: no acknowledged write is lost, every later read sees "
                + "it or a successor, and after the faults every replica holds it and no hint is left).")
        String scenario;

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

        /** At {@code at}: heal partitions, restore the link, restart crashed nodes and resume paused ones. */
        private int runScenario() {
            if (!scenario.equals("faults")) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--scenario must be faults, not " + scenario);
            }
            if (seeds < 1) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--seeds must be >= 1");
            }
            FaultsScenario.Options defaults = FaultsScenario.Options.defaults();
            int n = nodeCount == null ? defaults.nodes() : nodeCount;
            if (n < 3) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--nodes must be >= 3 for --scenario faults (N=3)");
            }
            FaultsScenario.Options options = new FaultsScenario.Options(n, defaults.keys(), defaults.opGap(),
                    durationOption == null ? defaults.faultsFor() : durationOption, defaults.meanGap(),
                    defaults.quietFor(), defaults.settings());
            FaultsScenario.Result failed = null;
            for (long s = seed; s < seed + seeds; s++) {
                FaultsScenario.Result result = FaultsScenario.run(s, options);
                System.out.println(result.summary());
                if (!result.ok() && failed == null) {
                    failed = result;
                }
            }
            if (failed == null) {
                System.out.println("invariants: ok (" + seeds + " seeds)");
                return 0;
            }
System.out.println("faults of seed " + failed.seed() + ":");
            failed.faults().forEach(f -> System.out.println("  " + f));
            System.out.println("invariants: VIOLATED with seed " + failed.seed() + ": " + failed.violations().get(0)
                    + " (replay: bin/cluster-sim.sh sim --scenario faults --seed " + failed.seed() + ")");
            return 1;
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
