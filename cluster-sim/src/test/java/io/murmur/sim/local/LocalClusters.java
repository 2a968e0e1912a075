package io.murmur.sim.local;

import io.murmur.sim.ClusterSim;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Runs {@code cluster-sim local} commands in tests with small, quick nodes, and cleans up after them. */
public final class LocalClusters {
    /** Small heaps and a quick start: these nodes serve tests, not benchmarks. */
    public static final String JAVA_OPTS = "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

    /** Quicker gossip rounds than the defaults (as the node tests' clusters), small caches, 16 vnodes. */
    public static final List<String> SETTINGS = List.of(
            "node.vnodes=16",
            "membership.interval_millis=250",
            "network.io_threads=1",
            "server.request_threads=4",
            "server.shutdown_drain_millis=2000",
            "storage.cache_bytes=1048576",
            "storage.block_cache_bytes=8388608",
            "storage.write_buffer_bytes=4194304");

    private LocalClusters() {
    }

    /** A command's exit status and everything it printed. */
    public record Run(int exit, String out) {
    }

    /** Runs {@code cluster-sim local ARGS --dir DIR} in this JVM. */
    public static synchronized Run local(Path dir, String... args) {
        List<String> all = new ArrayList<>(List.of("local"));
        all.addAll(List.of(args));
        all.add("--dir");
        all.add(dir.toString());
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream to = new PrintStream(captured, true, StandardCharsets.UTF_8);
        try {
            System.setOut(to);
            System.setErr(to);
            int exit = new CommandLine(new ClusterSim()).execute(all.toArray(String[]::new));
            return new Run(exit, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** {@code local up} of {@code nodes} test nodes. */
    public static Run up(Path dir, int nodes) {
        List<String> args = new ArrayList<>(List.of("up", "--nodes", Integer.toString(nodes),
                "--java-opts", JAVA_OPTS));
        for (String s : SETTINGS) {
            args.add("--set");
            args.add(s);
        }
        return local(dir, args.toArray(String[]::new));
    }

    /** The status as the work dir's nodes report it. */
    public static LocalCluster.Status status(Path dir) throws Exception {
        try (LocalCluster c = LocalCluster.open(dir, new PrintStream(PrintStream.nullOutputStream()),
                LocalCluster.Timeouts.DEFAULT)) {
            return c.collectStatus();
        }
    }

    /** Client addresses of the work dir's nodes. */
    public static List<String> clients(Path dir) throws Exception {
        try (LocalCluster c = LocalCluster.open(dir, new PrintStream(PrintStream.nullOutputStream()),
                LocalCluster.Timeouts.DEFAULT)) {
            return c.clientAddresses();
        }
    }

    /** Recorded pids, 0 for a node that runs nothing. */
    public static java.util.Map<String, Long> pids(Path dir) throws Exception {
        try (LocalCluster c = LocalCluster.open(dir, new PrintStream(PrintStream.nullOutputStream()),
                LocalCluster.Timeouts.DEFAULT)) {
            return c.pids();
        }
    }

    public static boolean alive(long pid) {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * After a test: {@code local down}, then SIGKILL to any of {@code pids} still alive that
     * runs a node of {@code dir} (a test that failed half-way may have left one).
     */
    public static void stopAll(Path dir, Collection<Long> pids) {
        local(dir, "down", "--grace", "5");
        for (long pid : pids) {
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            if (h.isPresent() && h.get().isAlive()
                    && h.get().info().commandLine().map(c -> c.contains(dir.toString())).orElse(false)) {
                h.get().destroyForcibly();
                h.get().onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> null).join();
            }
        }
    }

    /** Bound of every wait in these tests: generous, a busy two-core machine runs them. */
    public static final Duration PATIENCE = Duration.ofSeconds(90);
}
