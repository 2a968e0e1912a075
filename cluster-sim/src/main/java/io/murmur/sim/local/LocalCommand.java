package io.murmur.sim.local;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code local}: a cluster of real node processes on this machine, on loopback. Each
 * subcommand works on the cluster kept in {@code --dir}.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = {"Runs a cluster of real Murmur nodes on this machine (127.0.0.1), kept in a work dir",
                "(--dir, default ./local-cluster): per node a config, data dir and log, and a state file",
                "with every node's ports and pid, so later commands find the same nodes."},
        subcommands = {LocalCommand.Up.class, LocalCommand.Status.class, LocalCommand.Kill.class,
                LocalCommand.Stop.class, LocalCommand.Start.class, LocalCommand.Pause.class,
                LocalCommand.Resume.class, LocalCommand.Add.class, LocalCommand.Down.class})
public final class LocalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** Options every subcommand has. */
    static final class Common {
        @Option(names = "--dir", paramLabel = "DIR", description = "Work dir of the cluster (default: "
                + "${DEFAULT-VALUE}).", defaultValue = "local-cluster")
        Path dir;

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long a node may take to start, and "
                + "the cluster to converge after it (default: ${DEFAULT-VALUE}).", defaultValue = "60")
        int timeoutSeconds;

        @Option(names = "--grace", paramLabel = "SECONDS", description = "How long a node may take to stop after "
                + "SIGTERM before it gets SIGKILL (default: ${DEFAULT-VALUE}).", defaultValue = "20")
        int graceSeconds;

        LocalCluster.Timeouts timeouts() {
            Duration t = Duration.ofSeconds(Math.max(1, timeoutSeconds));
            return new LocalCluster.Timeouts(t, t, Duration.ofSeconds(Math.max(1, graceSeconds)));
        }
    }

    /** Runs {@code action} on the opened cluster; a failure prints {@code error: ...} and gives 1. */
    abstract static class Sub implements Callable<Integer> {
        @Mixin
        Common common;

        abstract void run(LocalCluster cluster) throws LocalClusterException, InterruptedException;

        /** Whether the command makes a cluster, and so its work dir; the others need one. */
        boolean makes() {
            return false;
        }

        @Override
        public Integer call() {
            PrintStream out = System.out;
            try (LocalCluster cluster = makes() ? LocalCluster.open(common.dir, out, common.timeouts())
                    : LocalCluster.openExisting(common.dir, out, common.timeouts())) {
                run(cluster);
                return 0;
            } catch (LocalClusterException e) {
                out.flush();
                System.err.println("error: " + e.getMessage());
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                System.err.println("error: interrupted");
                return 1;
            }
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = {"Starts a cluster: K nodes with generated configs and free ports, each joining",
                    "through the nodes started before it; waits until every node sees every other NORMAL",
                    "and ALIVE on one ring, then prints the status and the client addresses. On a work dir",
                    "that holds a stopped cluster, starts its nodes again with their data. If it fails or",
                    "is interrupted (Ctrl-C), it stops every node it started."})
    static final class Up extends Sub {
        @Option(names = "--nodes", paramLabel = "K", description = "Number of nodes of a new cluster (default: 3).")
        Integer nodes;

        @Option(names = "--java-opts", paramLabel = "OPTS", description = "JVM options of every node (default: "
                + "MURMUR_JAVA_OPTS, else " + LocalCluster.DEFAULT_JVM_OPTIONS + ", plus -XX:TieredStopAtLevel=1 "
                + "when the nodes outnumber half the cores).")
        String javaOpts;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A key of conf/node.yaml for every node, "
                + "e.g. storage.sync=periodic; repeatable.")
        List<String> sets = List.of();

        @Override
        boolean makes() {
            return true;
        }

        @Override
        void run(LocalCluster cluster) throws LocalClusterException, InterruptedException {
            cluster.up(nodes, javaOpts == null ? null : List.of(javaOpts.trim().split("\\s+")), settings(sets), null);
        }
    }

    static Map<String, String> settings(List<String> sets) throws LocalClusterException {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String s : sets) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new LocalClusterException("--set " + s + ": expected KEY=VALUE");
            }
            settings.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
        }
        return settings;
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"One row per node: pid, process (up, paused, down), client and peer addresses; the",
                    "member status and liveness one node that is up reports; what each node that is up",
                    "sees (members alive, ring fingerprint); and whether they agree."})
    static final class Status extends Sub {
        @Override
        void run(LocalCluster cluster) throws LocalClusterException, InterruptedException {
            cluster.status();
        }
    }

    /** Subcommands that act on one node. */
    abstract static class OnNode extends Sub {
        @Parameters(index = "0", paramLabel = "NODE", description = "The node, e.g. n2.")
        String node;
    }

    @Command(name = "kill", mixinStandardHelpOptions = true, description = "SIGKILL: the node dies at once, as in a "
            + "crash.")
    static final class Kill extends OnNode {
        @Override
        void run(LocalCluster cluster) throws LocalClusterException, InterruptedException {
            cluster.kill(node);
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "SIGTERM: the node answers what it has "
            + "read and closes its storage (SIGKILL after --grace).")
    static final class Stop extends OnNode {
        @Override
        void run(LocalCluster cluster) throws LocalClusterException, InterruptedException {
            cluster.stop(node);
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Starts a node that is down, with its "
            + "data, and waits until the nodes that are up see it.")
    static final class Start extends OnNode {
        @Override
        void run(LocalCluster cluster) throws LocalClusterException, InterruptedException {
            cluster.start(node);
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "SIGSTOP: the node freezes with its "
            + "connections open, as in a long pause.")
    static final class Pause extends OnNode {
        @Override
        void run(LocalCluster cluster) throws LocalClusterException, InterruptedException {
            cluster.pause(node);
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "SIGCONT: a paused node goes on.")
    static final class Resume extends OnNode {
        @Override
        void run(LocalCluster cluster) throws LocalClusterException, InterruptedException {
            cluster.resume(node);
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Starts a new node that joins through "
            + "the nodes that are up, and waits until all see it.")
    static final class Add extends Sub {
        @Override
        void run(LocalCluster cluster) throws LocalClusterException, InterruptedException {
            cluster.add();
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = {"Stops every node of the cluster by "
            + "pid (SIGTERM, SIGKILL after --grace)", "and checks that none is left; data and logs stay in the "
            + "work dir."})
    static final class Down extends Sub {
        @Override
        void run(LocalCluster cluster) throws LocalClusterException, InterruptedException {
            cluster.down();
        }
    }
}
