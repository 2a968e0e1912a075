package io.murmur.sim.experiments;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code experiment NAME}: runs one experiment, prints its tables and writes CSV and PNG files. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = {"Runs an experiment: a table on stdout, CSV and PNG charts in the results folder,",
                "progress on stderr. Everything but measured timings follows from the seed.",
                "  spread    keys per node vs vnodes (10 and 100 nodes); keys moved by a join or leave",
                "  failover  routing past failed nodes (1024 and 64 nodes): ring (view, walk)",
                "            vs jump hash with key+1 or random re-probing vs a key->node",
                "            table (HashMap; Redis if installed)",
                "  gossip    membership: convergence (10 to 2000 nodes), failure detection, false",
                "            positives under loss and pauses, partition and heal",
                "  replication  quorums: consistency table for N=3 under a crash, siblings across a",
                "            partition, hinted handoff, randomized faults over many seeds",
                "  repair    anti-entropy: bytes a full repair of two replicas exchanges vs the",
                "            minimal, for 0.01%% to 10%% differing keys and tree depths 6 to 12"})
public final class ExperimentCommand implements Callable<Integer> {
    /** The experiments by name. */
    public enum Name {
        spread, failover, gossip, replication, repair
    }

    @Parameters(index = "0", paramLabel = "NAME", description = "spread, failover, gossip, replication or repair.")
    Name name;

    @Option(names = "--quick", description = "A reduced run that finishes in under a minute.")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", description = "Results folder (default: results/NAME).")
    Path out;

    @Option(names = "--seed", description = "Seed of the keys and choices (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    long seed;

    @Option(names = "--no-redis", description = "failover: leave out the Redis-backed table even if "
            + "redis-server is on the PATH.")
    boolean noRedis;

    @Override
    public Integer call() throws Exception {
        Path dir = out != null ? out : Path.of("results", name.name());
        PrintStream stdout = System.out;
        Progress progress = new Progress(name.name(), System.err);
        long started = System.nanoTime();
        List<Path> files;
        switch (name) {
            case spread -> {
                SpreadExperiment.Config config = quick ? SpreadExperiment.Config.quick(seed)
                        : SpreadExperiment.Config.full(seed);
                files = SpreadExperiment.run(config, dir, progress, stdout).files();
            }
            case failover -> {
                FailoverExperiment.Config config = quick ? FailoverExperiment.Config.quick(seed)
                        : FailoverExperiment.Config.full(seed);
                if (noRedis) {
                    config = config.withoutRedis();
                }
                files = FailoverExperiment.run(config, dir, progress, stdout).files();
            }
            case gossip -> {
                GossipExperiment.Config config = quick ? GossipExperiment.Config.quick(seed)
                        : GossipExperiment.Config.full(seed);
                files = GossipExperiment.run(config, dir, progress, stdout).files();
            }
            case replication -> {
                ReplicationExperiment.Config config = quick ? ReplicationExperiment.Config.quick(seed)
                        : ReplicationExperiment.Config.full(seed);
                files = ReplicationExperiment.run(config, dir, progress, stdout).files();
            }
            case repair -> {
                RepairExperiment.Config config = quick ? RepairExperiment.Config.quick(seed)
                        : RepairExperiment.Config.full(seed);
                files = RepairExperiment.run(config, dir, progress, stdout).files();
            }
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown experiment " + name);
        }
        stdout.println("files:");
        for (Path f : files) {
            stdout.println("  " + f);
        }
        progress.note(String.format(Locale.ROOT, "finished in %.1f s", (System.nanoTime() - started) / 1e9));
        return 0;
    }
}
