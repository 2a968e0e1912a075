package io.murmur.sim.local;

import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.Member;
import io.murmur.server.ConfigException;
import io.murmur.server.NodeConfig;
import io.murmur.server.NodeMain;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A cluster of real node processes on this machine, kept in a work dir: one folder per node
 * ({@code nK/node.yaml}, {@code nK/data}, {@code nK/node.log}) and a state file recording
 * each node's ports and the process running it. Every {@code local} subcommand opens the
 * work dir, does its part and leaves the state file saying what runs.
 *
 * <p>Nodes are started with this JVM's {@code java} and class path (cluster-sim depends on
 * the node module, so {@link NodeMain} is on it), in a session of their own, with their
 * output in their log file. Ports are free loopback ports found by binding port 0. A node
 * joins through the nodes already up (the first node of a new cluster through none).
 *
 * <p>Design note: everything a command started is recorded in the state file the moment it
 * starts, and {@link #teardown()} stops it by pid; {@code up} runs that teardown when it
 * fails, when its thread is interrupted, and from a shutdown hook on Ctrl-C, so an
 * unfinished {@code up} leaves no process behind. Signals go only to a pid whose start time
 * matches the recorded one, so a pid the system has since reused is left alone.
 */
public final class LocalCluster implements AutoCloseable {
    static final String HOST = "127.0.0.1";
    private static final String LISTENING = "listening for clients on";
    private static final Pattern SETTING_KEY = Pattern.compile("[a-z_]+\\.[a-z_.]+");
    /** Keys the launcher writes itself into every node's config. */
    private static final Set<String> OWN_KEYS = Set.of("node.id", "network.listen", "network.advertise",
            "network.client_port", "network.peer_port", "network.seeds", "storage.data_dir");
    /**
     * JVM options of a node when none are given. Unlike {@code bin/start-node.sh} (a node
     * with a host of its own: G1), a local cluster's nodes share one machine with each
     * other and with the load, where a stall of one node stalls every request it takes
     * part in: ZGC has no young-collection pauses (which took 40-80 ms each with the
     * parallel collector for three nodes on two cores). When the nodes outnumber half the
     * cores, they also run only the C1 compiler ({@link #OVERSUBSCRIBED_JVM_OPTIONS}). See
     * the README's "Local clusters: JVM options".
     */
    public static final String DEFAULT_JVM_OPTIONS = "-Xms1g -Xmx1g -XX:+UseZGC -XX:+AlwaysPreTouch";
    /**
     * {@link #DEFAULT_JVM_OPTIONS} with the C1 compiler only, for more nodes than half the
     * cores: C2 spends minutes of a core per JVM compiling, and with three nodes on two cores
     * its bursts were the longest stalls (p99 a third to a half lower without it, at the
     * same throughput). A node with cores to spare is faster with C2 (one node on two cores
     * served 0.56-0.74 of the loopback ceiling's reads with it and 0.40-0.67 without).
     */
    public static final String OVERSUBSCRIBED_JVM_OPTIONS = DEFAULT_JVM_OPTIONS + " -XX:TieredStopAtLevel=1";

    /** How long the steps may take. */
    public record Timeouts(Duration start, Duration converge, Duration stopGrace) {
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(60), Duration.ofSeconds(60),
                Duration.ofSeconds(20));
    }

    /** Told of each node {@code up} has started, before the next one starts (for tests). */
    public interface Listener {
        void started(String nodeId, long pid) throws InterruptedException;
    }

    private final Path dir;
    private final PrintStream out;
    private final Timeouts timeouts;
    private final Path java;
    private final String classpath;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private ClusterState state;
    /** Processes this command started, for teardown and for their exit status in messages. */
    private final Map<String, Process> startedHere = new LinkedHashMap<>();
    private boolean tornDown;

    private LocalCluster(Path dir, PrintStream out, Timeouts timeouts, Path java, String classpath,
                         FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.out = out;
        this.timeouts = timeouts;
        this.java = java;
        this.classpath = classpath;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens the work dir {@code dir} (made if missing) for one command, holding its lock so
     * that two commands never change one cluster at once.
     */
    public static LocalCluster open(Path dir, PrintStream out, Timeouts timeouts) throws LocalClusterException {
        return open(dir, out, timeouts, true);
    }

    /** As {@link #open}, for commands that need a cluster: fails if {@code dir} holds none. */
    public static LocalCluster openExisting(Path dir, PrintStream out, Timeouts timeouts)
            throws LocalClusterException {
        return open(dir, out, timeouts, false);
    }

    private static LocalCluster open(Path dir, PrintStream out, Timeouts timeouts, boolean create)
            throws LocalClusterException {
        Path abs = dir.toAbsolutePath().normalize();
        if (!create && !ClusterState.exists(abs)) {
            throw new LocalClusterException("no local cluster in " + show(abs) + " (make one with `local up --dir "
                    + show(abs) + "`)");
        }
        FileChannel channel = null;
        try {
            Files.createDirectories(abs);
            channel = FileChannel.open(abs.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                throw new LocalClusterException("another `local` command is working on " + abs + "; try again when "
                        + "it is done");
            }
            LocalCluster cluster = new LocalCluster(abs, out, timeouts,
                    Path.of(System.getProperty("java.home"), "bin", "java"), System.getProperty("java.class.path"),
                    channel, lock);
            if (ClusterState.exists(abs)) {
                cluster.state = ClusterState.load(abs);
            }
            return cluster;
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new LocalClusterException("another `local` command in this process is working on " + abs);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new LocalClusterException("cannot open " + abs + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    public Path dir() {
        return dir;
    }

    /** {@code path} as printed: relative to the working directory when it lies under it. */
    private static String show(Path path) {
        Path cwd = Path.of("").toAbsolutePath();
        return path.startsWith(cwd) && !path.equals(cwd) ? cwd.relativize(path).toString() : path.toString();
    }

    /** The recorded pid of every node that has one (0 for none), by node id. */
    public Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        if (state != null) {
            state.nodes().forEach(n -> pids.put(n.id, n.pid));
        }
        return pids;
    }

    /** Client addresses of the nodes, in node order. */
    public List<String> clientAddresses() {
        return state == null ? List.of() : state.nodes().stream().map(ClusterState.Node::clientAddress).toList();
    }

    // ---------------------------------------------------------------- up

    /**
     * Makes a cluster of {@code count} nodes and starts them, or starts again every node of
     * the stopped cluster the work dir holds ({@code count} null or equal to its size); then
     * waits until every node sees every other NORMAL and ALIVE on one ring. On any failure,
     * and on interrupt, stops everything it started before it throws.
     */
    public void up(Integer count, List<String> jvmOptions, Map<String, String> settings, Listener listener)
            throws LocalClusterException, InterruptedException {
        List<ClusterState.Node> toStart = prepareUp(count, jvmOptions, settings);
        Thread hook = new Thread(this::teardownFromHook, "local-up-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        long began = System.nanoTime();
        try {
            for (ClusterState.Node n : toStart) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                startNode(n);
                if (listener != null) {
                    listener.started(n.id, n.pid);
                }
            }
            awaitConverged(runningIds());
        } catch (LocalClusterException | InterruptedException | RuntimeException e) {
            boolean stopping;
            synchronized (this) {
                stopping = tornDown; // the shutdown hook stops the nodes, and this is what it caused
            }
            String why = stopping || e instanceof InterruptedException ? "interrupted" : e.getMessage();
            if (!stopping) {
                out.println("local up failed: " + why);
                teardown();
            }
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            if (stopping) {
                throw new LocalClusterException("interrupted; the nodes it started are stopped", e);
            }
            throw e instanceof LocalClusterException le ? le : new LocalClusterException(why, e);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: it stops what this command started
            }
        }
        out.printf(Locale.ROOT, "local cluster of %d node(s) in %s: gossip converged after %.1f s%n",
                state.nodes().size(), show(dir), (System.nanoTime() - began) / 1e9);
        status();
        printAccess();
    }

    private List<ClusterState.Node> prepareUp(Integer count, List<String> jvmOptions, Map<String, String> settings)
            throws LocalClusterException {
        if (state != null) {
            List<String> running = state.nodes().stream().filter(n -> n.process().alive()).map(n -> n.id).toList();
            if (!running.isEmpty()) {
                throw new LocalClusterException("a cluster is already running from " + show(dir) + " (" + running
                        + " up); see `local status`, or `local down` first");
            }
            if (count != null && count != state.nodes().size()) {
                throw new LocalClusterException(show(dir) + " holds a stopped cluster of " + state.nodes().size()
                        + " node(s), not " + count + ": `local up` without --nodes starts it again, or use another "
                        + "--dir for a new cluster");
            }
            if (jvmOptions != null || !settings.isEmpty()) {
                throw new LocalClusterException(show(dir) + " holds a stopped cluster; it starts again with the "
                        + "settings it was made with (" + show(dir.resolve(ClusterState.FILE)) + "), so --java-opts and --set "
                        + "apply only to a new cluster");
            }
            state.nodes().forEach(ClusterState.Node::clearProcess);
            out.println("starting again the " + state.nodes().size() + " node(s) of the cluster in " + show(dir));
            return state.nodes();
        }
        int k = count == null ? 3 : count;
        if (k < 1) {
            throw new LocalClusterException("--nodes must be at least 1");
        }
        checkSettings(settings);
        List<String> opts = jvmOptions != null ? jvmOptions
                : defaultJvmOptions(k, Runtime.getRuntime().availableProcessors());
        ClusterState fresh = new ClusterState(opts, new TreeMap<>(settings));
        int[] ports = freePorts(2 * k, Set.of());
        for (int i = 0; i < k; i++) {
            fresh.add(new ClusterState.Node("n" + (i + 1), ports[2 * i], ports[2 * i + 1]));
        }
        try {
            Files.writeString(dir.resolve("logback.xml"), LOGBACK, StandardCharsets.UTF_8);
            fresh.save(dir);
        } catch (IOException e) {
            throw new LocalClusterException("cannot write to " + show(dir) + ": " + e.getMessage(), e);
        }
        state = fresh;
        out.println("making a cluster of " + k + " node(s) in " + show(dir));
        return state.nodes();
    }

    /**
     * {@code MURMUR_JAVA_OPTS} when set, else for {@code nodes} nodes on {@code cores} cores
     * {@link #OVERSUBSCRIBED_JVM_OPTIONS} when {@code 2 * nodes > cores}, else
     * {@link #DEFAULT_JVM_OPTIONS}.
     */
    public static List<String> defaultJvmOptions(int nodes, int cores) {
        return jvmOptions(System.getenv("MURMUR_JAVA_OPTS"), nodes, cores);
    }

    /** {@link #defaultJvmOptions} with {@code env} for {@code MURMUR_JAVA_OPTS} (null: unset). */
    static List<String> jvmOptions(String env, int nodes, int cores) {
        String opts = env != null && !env.isBlank() ? env
                : 2 * nodes > cores ? OVERSUBSCRIBED_JVM_OPTIONS : DEFAULT_JVM_OPTIONS;
        return List.of(opts.trim().split("\\s+"));
    }

    private static void checkSettings(Map<String, String> settings) throws LocalClusterException {
        for (String key : settings.keySet()) {
            if (!SETTING_KEY.matcher(key).matches()) {
                throw new LocalClusterException("--set " + key + ": expected a key like storage.sync");
            }
            if (OWN_KEYS.contains(key)) {
                throw new LocalClusterException("--set " + key + ": the launcher sets this key itself");
            }
        }
        List<NodeConfig.Override> overrides = new ArrayList<>();
        settings.forEach((k, v) -> overrides.add(NodeConfig.Override.parsed(k, v, "--set " + k)));
        try {
            NodeConfig.load(null, overrides);
        } catch (ConfigException e) {
            throw new LocalClusterException(e.getMessage(), e);
        }
    }

    private void printAccess() {
        String hosts = String.join(",", clientAddresses());
        out.println("clients: " + hosts);
        out.println("  bin/murmur --host " + clientAddresses().get(0) + " status");
        out.println("  bin/ycsb.sh load a -p hosts=" + hosts);
        out.println("  bin/cluster-sim.sh local down --dir " + show(dir));
    }

    // ---------------------------------------------------------------- single-node commands

    /** Starts a node that is down (with its data), and waits until the cluster sees it. */
    public void start(String id) throws LocalClusterException, InterruptedException {
        ClusterState.Node n = node(id);
        if (n.process().alive()) {
            throw new LocalClusterException(id + " is already running (pid " + n.pid + ")");
        }
        n.clearProcess();
        startNode(n);
        awaitConverged(runningIds());
        status();
    }

    /** Adds a node: it joins through the nodes that are up. */
    public void add() throws LocalClusterException, InterruptedException {
        requireState();
        if (runningIds().isEmpty()) {
            throw new LocalClusterException("no node of the cluster in " + show(dir) + " is up to join through");
        }
        Set<Integer> taken = new HashSet<>();
        state.nodes().forEach(n -> {
            taken.add(n.clientPort);
            taken.add(n.peerPort);
        });
        int[] ports = freePorts(2, taken);
        ClusterState.Node n = new ClusterState.Node(state.nextId(), ports[0], ports[1]);
        state.add(n);
        save();
        out.println("adding " + n.id);
        startNode(n);
        awaitConverged(runningIds());
        status();
    }

    /** SIGKILL: the node dies at once, as in a crash. */
    public void kill(String id) throws LocalClusterException, InterruptedException {
        ClusterState.Node n = node(id);
        ProcessHandle h = requireRunning(n);
        h.destroyForcibly();
        if (!Processes.awaitExit(h, timeouts.stopGrace())) {
            throw new LocalClusterException(id + " (pid " + n.pid + ") is still alive after SIGKILL");
        }
        out.println(id + " killed (SIGKILL, pid " + n.pid + ")");
        n.clearProcess();
        save();
    }

    /** SIGTERM: the node drains its requests and closes its storage; SIGKILL after the grace period. */
    public void stop(String id) throws LocalClusterException, InterruptedException {
        ClusterState.Node n = node(id);
        requireRunning(n);
        String how = terminate(List.of(n)).get(id);
        out.println(id + " stopped (" + how + ", pid " + n.pid + ")");
        n.clearProcess();
        save();
    }

    /** SIGSTOP: the node freezes, sockets open, as in a long GC pause or a hung machine. */
    public void pause(String id) throws LocalClusterException, InterruptedException {
        ClusterState.Node n = node(id);
        requireRunning(n);
        if (isPaused(n)) {
            throw new LocalClusterException(id + " is already paused");
        }
        signal(n, "STOP");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Processes.stopped(n.pid).map(stopped -> !stopped).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw new LocalClusterException(id + " (pid " + n.pid + ") did not stop after SIGSTOP");
            }
            Thread.sleep(20);
        }
        n.paused = true;
        save();
        out.println(id + " paused (SIGSTOP, pid " + n.pid + ")");
    }

    /** SIGCONT: a paused node goes on where it stopped. */
    public void resume(String id) throws LocalClusterException, InterruptedException {
        ClusterState.Node n = node(id);
        requireRunning(n);
        if (!isPaused(n)) {
            throw new LocalClusterException(id + " is not paused");
        }
        signal(n, "CONT");
        n.paused = false;
        save();
        out.println(id + " resumed (SIGCONT, pid " + n.pid + ")");
    }

    /** Stops every node that runs (SIGTERM, SIGKILL after the grace period) and checks each is gone. */
    public void down() throws LocalClusterException, InterruptedException {
        requireState();
        List<ClusterState.Node> running = new ArrayList<>();
        for (ClusterState.Node n : state.nodes()) {
            if (n.process().alive()) {
                running.add(n);
            } else {
                n.clearProcess();
            }
        }
        Map<String, String> how = terminate(running);
        for (ClusterState.Node n : running) {
            out.println(n.id + " stopped (" + how.get(n.id) + ", pid " + n.pid + ")");
            n.clearProcess();
        }
        save();
        out.println(running.isEmpty() ? "no node was running"
                : "every node is stopped; data and logs stay in " + show(dir));
    }

    /**
     * Stops the processes this command started, by pid, and records them stopped: what an
     * unfinished {@code up} leaves. Never throws; a second call does nothing.
     */
    public void teardown() {
        List<ClusterState.Node> mine;
        synchronized (this) {
            if (tornDown) {
                return;
            }
            tornDown = true;
            mine = new ArrayList<>();
            for (String id : startedHere.keySet()) {
                state.node(id).ifPresent(mine::add);
            }
        }
        List<ClusterState.Node> alive = mine.stream().filter(n -> n.process().alive()).toList();
        if (!alive.isEmpty()) {
            out.println("stopping the " + alive.size() + " node(s) this command started: "
                    + alive.stream().map(n -> n.id + " (pid " + n.pid + ")").collect(Collectors.joining(", ")));
        }
        try {
            terminate(alive);
        } catch (InterruptedException e) {
            // stop them at once instead of waiting out the grace period
            for (ClusterState.Node n : alive) {
                n.process().handle().ifPresent(ProcessHandle::destroyForcibly);
            }
            Thread.currentThread().interrupt();
        } catch (LocalClusterException e) {
            out.println("error: " + e.getMessage());
        }
        for (ClusterState.Node n : mine) {
            if (!n.process().alive()) {
                n.clearProcess();
            }
        }
        try {
            save();
        } catch (LocalClusterException e) {
            out.println("error: " + e.getMessage());
        }
    }

    private void teardownFromHook() {
        synchronized (this) {
            if (tornDown) {
                return;
            }
        }
        out.println("local up interrupted");
        teardown();
    }

    // ---------------------------------------------------------------- status

    /** One row per node: its process, its addresses, and what the nodes that are up report. */
    public record Row(String node, long pid, String process, String client, String peer, String status,
                      String liveness, String sees, String ring) {
    }

    /** The table, the node it was seen from, and the convergence verdict. */
    public record Status(List<Row> rows, String seenFrom, List<String> problems) {
        public boolean converged() {
            return problems.isEmpty();
        }

        public Optional<Row> row(String node) {
            return rows.stream().filter(r -> r.node().equals(node)).findFirst();
        }
    }

    /** Asks every node that is up and prints the table; returns it too. */
    public Status status() throws LocalClusterException, InterruptedException {
        Status s = collectStatus();
        print(s);
        return s;
    }

    /** Builds the status without printing it. */
    public Status collectStatus() throws LocalClusterException, InterruptedException {
        requireState();
        Map<String, String> askable = new LinkedHashMap<>();
        Map<String, String> process = new LinkedHashMap<>();
        for (ClusterState.Node n : state.nodes()) {
            if (!n.process().alive()) {
                process.put(n.id, "down");
            } else if (isPaused(n)) {
                process.put(n.id, "paused");
            } else {
                process.put(n.id, "up");
                askable.put(n.id, n.clientAddress());
            }
        }
        Map<String, ClusterProbe.View> views;
        try (ClusterProbe probe = new ClusterProbe(Duration.ofSeconds(2))) {
            views = askable.isEmpty() ? Map.of() : probe.ask(askable);
        }
        ClusterInfo reference = views.values().stream().map(ClusterProbe.View::info).flatMap(Optional::stream)
                .findFirst().orElse(null);
        List<Row> rows = new ArrayList<>();
        for (ClusterState.Node n : state.nodes()) {
            String status = "-";
            String liveness = "-";
            if (reference != null) {
                Optional<Member> m = reference.getMembersList().stream().filter(x -> x.getNodeId().equals(n.id))
                        .findFirst();
                status = m.map(Member::getStatus).orElse("unknown");
                liveness = m.map(Member::getLiveness).orElse("unknown");
            }
            String sees;
            String ring = "-";
            ClusterProbe.View v = views.get(n.id);
            if (v == null) {
                sees = "-";
            } else if (v.info().isEmpty()) {
                sees = "no answer";
            } else {
                sees = v.alive() + "/" + v.info().get().getMembersCount() + " alive";
                ring = ClusterProbe.fingerprint(v.info().get());
            }
            rows.add(new Row(n.id, process.get(n.id).equals("down") ? 0 : n.pid, process.get(n.id), n.clientAddress(),
                    n.peerAddress(), status, liveness, sees, ring));
        }
        List<String> problems = askable.isEmpty() ? List.of("no node is up")
                : ClusterProbe.problems(askable.keySet(), views);
        return new Status(rows, reference == null ? "" : reference.getNodeId(), problems);
    }

    private void print(Status s) {
        List<String> header = List.of("NODE", "PID", "PROCESS", "CLIENT", "PEER", "STATUS", "LIVENESS", "SEES", "RING");
        List<List<String>> cells = new ArrayList<>();
        for (Row r : s.rows()) {
            cells.add(List.of(r.node(), r.pid() == 0 ? "-" : Long.toString(r.pid()), r.process(), r.client(), r.peer(),
                    r.status(), r.liveness(), r.sees(), r.ring()));
        }
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = header.get(c).length();
            for (List<String> row : cells) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        out.println("cluster in " + show(dir) + (s.seenFrom().isEmpty() ? "; no node answers"
                : "; STATUS and LIVENESS as " + s.seenFrom() + " sees them, SEES and RING as each node does"));
        printRow(header, width);
        cells.forEach(row -> printRow(row, width));
        List<String> notUp = s.rows().stream().filter(r -> !r.process().equals("up"))
                .map(r -> r.node() + " " + r.process()).toList();
        String others = notUp.isEmpty() ? "" : "; " + String.join(", ", notUp);
        out.println(s.converged() ? "converged: yes (every node up sees every node up NORMAL and ALIVE, one ring"
                + others + ")" : "converged: no (" + String.join("; ", s.problems()) + others + ")");
    }

    private void printRow(List<String> cells, int[] width) {
        StringBuilder line = new StringBuilder("  ");
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            line.append(cell);
            if (c < cells.size() - 1) {
                line.append(" ".repeat(width[c] - cell.length() + 2));
            }
        }
        out.println(line.toString().stripTrailing());
    }

    // ---------------------------------------------------------------- internals

    private void requireState() throws LocalClusterException {
        if (state == null) {
            throw new LocalClusterException("no local cluster in " + show(dir) + " (make one with `local up --dir "
                    + show(dir)
                    + "`)");
        }
    }

    private ClusterState.Node node(String id) throws LocalClusterException {
        requireState();
        return state.node(id).orElseThrow(() -> new LocalClusterException("no node " + id + " in " + show(dir)
                + " (nodes: " + state.nodes().stream().map(n -> n.id).collect(Collectors.joining(", ")) + ")"));
    }

    private ProcessHandle requireRunning(ClusterState.Node n) throws LocalClusterException {
        return n.process().handle().orElseThrow(() -> new LocalClusterException(n.id + " is not running"));
    }

    private boolean isPaused(ClusterState.Node n) {
        return Processes.stopped(n.pid).orElse(n.paused);
    }

    private List<String> runningIds() {
        List<String> ids = new ArrayList<>();
        for (ClusterState.Node n : state.nodes()) {
            if (n.process().alive() && !isPaused(n)) {
                ids.add(n.id);
            }
        }
        return ids;
    }

    private synchronized void save() throws LocalClusterException {
        try {
            state.save(dir);
        } catch (IOException e) {
            throw new LocalClusterException("cannot write " + show(dir.resolve(ClusterState.FILE)) + ": "
                    + e.getMessage(), e);
        }
    }

    private void signal(ClusterState.Node n, String signal) throws LocalClusterException, InterruptedException {
        try {
            Processes.signal(n.pid, signal);
        } catch (IOException e) {
            throw new LocalClusterException(e.getMessage(), e);
        }
    }

    /**
     * SIGTERM to each (a paused one is continued first, or it could not act on it), then
     * SIGKILL to those still alive after the grace period; returns how each ended.
     */
    private Map<String, String> terminate(List<ClusterState.Node> nodes)
            throws LocalClusterException, InterruptedException {
        Map<String, ProcessHandle> handles = new LinkedHashMap<>();
        for (ClusterState.Node n : nodes) {
            n.process().handle().ifPresent(h -> handles.put(n.id, h));
        }
        for (ClusterState.Node n : nodes) {
            ProcessHandle h = handles.get(n.id);
            if (h != null && Processes.stopped(n.pid).orElse(n.paused)) {
                try {
                    Processes.signal(n.pid, "CONT");
                } catch (IOException e) {
                    out.println("warning: " + e.getMessage());
                }
            }
            if (h != null) {
                h.destroy();
            }
        }
        Map<String, String> how = new LinkedHashMap<>();
        long deadline = System.nanoTime() + timeouts.stopGrace().toNanos();
        for (Map.Entry<String, ProcessHandle> e : handles.entrySet()) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            how.put(e.getKey(), Processes.awaitExit(e.getValue(), left) ? "SIGTERM" : "SIGKILL");
        }
        List<String> survivors = new ArrayList<>();
        for (Map.Entry<String, ProcessHandle> e : handles.entrySet()) {
            if (how.get(e.getKey()).equals("SIGKILL")) {
                e.getValue().destroyForcibly();
                if (!Processes.awaitExit(e.getValue(), Duration.ofSeconds(10))) {
                    survivors.add(e.getKey() + " (pid " + e.getValue().pid() + ")");
                }
            }
        }
        if (!survivors.isEmpty()) {
            throw new LocalClusterException("still alive after SIGKILL: " + String.join(", ", survivors));
        }
        return how;
    }

    /** Writes the node's config, starts its process and waits until it listens. */
    private void startNode(ClusterState.Node n) throws LocalClusterException, InterruptedException {
        Path nodeDir = dir.resolve(n.id);
        Path config = nodeDir.resolve("node.yaml");
        Path log = nodeDir.resolve("node.log");
        Path data = nodeDir.resolve("data");
        List<String> seeds = seedsFor(n, Files.isDirectory(data));
        try {
            Files.createDirectories(nodeDir);
            Files.writeString(config, nodeYaml(n, seeds, data), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LocalClusterException("cannot write " + config + ": " + e.getMessage(), e);
        }
        try {
            NodeConfig.load(config, List.of());
        } catch (ConfigException e) {
            throw new LocalClusterException("the config of " + n.id + " is not valid: " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>(Processes.detachedPrefix());
        cmd.add(java.toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(state.jvmOptions);
        cmd.add("-Dlogback.configurationFile=" + dir.resolve("logback.xml"));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(NodeMain.class.getName());
        cmd.add("--config");
        cmd.add(config.toString());
        long logStart;
        Process process;
        try {
            logStart = Files.exists(log) ? Files.size(log) : 0;
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(nodeDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            synchronized (this) {
                if (tornDown) {
                    throw new InterruptedException("stopping");
                }
                process = pb.start();
                startedHere.put(n.id, process);
                Processes.Recorded r = Processes.record(process);
                n.pid = r.pid();
                n.startedAtMillis = r.startedAtMillis();
                n.paused = false;
            }
        } catch (IOException e) {
            throw new LocalClusterException("cannot start " + n.id + ": " + e.getMessage(), e);
        }
        save();
        out.printf(Locale.ROOT, "%s starting: pid %d, client %s, peer %s%s; log %s%n", n.id, n.pid, n.clientAddress(),
                n.peerAddress(), seeds.isEmpty() ? "" : ", joining through " + String.join(",", seeds), show(log));
        awaitListening(n, process, log, logStart);
    }

    /** The peers a node joins through: up to two nodes that are up, else (on a restart) any others. */
    private List<String> seedsFor(ClusterState.Node n, boolean hasData) {
        List<String> up = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (ClusterState.Node o : state.nodes()) {
            if (o == n) {
                continue;
            }
            others.add(o.peerAddress());
            if (o.process().alive() && !isPaused(o)) {
                up.add(o.peerAddress());
            }
        }
        List<String> seeds = !up.isEmpty() ? up : hasData ? others : List.of();
        return seeds.subList(0, Math.min(2, seeds.size()));
    }

    private String nodeYaml(ClusterState.Node n, List<String> seeds, Path data) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        sections.computeIfAbsent("node", s -> new LinkedHashMap<>()).put("id", n.id);
        Map<String, String> network = sections.computeIfAbsent("network", s -> new LinkedHashMap<>());
        network.put("listen", HOST);
        network.put("client_port", Integer.toString(n.clientPort));
        network.put("peer_port", Integer.toString(n.peerPort));
        network.put("seeds", seeds.stream().map(LocalCluster::quote).collect(Collectors.joining(", ", "[", "]")));
        sections.computeIfAbsent("storage", s -> new LinkedHashMap<>()).put("data_dir", quote(data.toString()));
        for (Map.Entry<String, String> e : state.settings.entrySet()) {
            int dot = e.getKey().indexOf('.');
            sections.computeIfAbsent(e.getKey().substring(0, dot), s -> new LinkedHashMap<>())
                    .put(e.getKey().substring(dot + 1), e.getValue());
        }
        StringBuilder y = new StringBuilder();
        y.append("# Node ").append(n.id).append(" of the local cluster in ").append(dir).append(".\n");
        y.append("# Written by `cluster-sim local` at each start; keys not here have the defaults of "
                + "conf/node.yaml.\n");
        sections.forEach((section, keys) -> {
            y.append(section).append(":\n");
            keys.forEach((k, v) -> y.append("  ").append(k).append(": ").append(v).append('\n'));
        });
        return y.toString();
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** Waits until the node's log says it listens; fails at once if the process ends. */
    private void awaitListening(ClusterState.Node n, Process process, Path log, long logStart)
            throws LocalClusterException, InterruptedException {
        long deadline = System.nanoTime() + timeouts.start().toNanos();
        while (true) {
            String text = readFrom(log, logStart);
            if (text.contains(LISTENING)) {
                return;
            }
            if (!process.isAlive()) {
                throw new LocalClusterException(n.id + " exited during start (status " + process.exitValue()
                        + "); the end of " + show(log) + ":\n" + tail(text, 15));
            }
            if (System.nanoTime() > deadline) {
                throw new LocalClusterException(n.id + " (pid " + n.pid + ") does not listen after "
                        + timeouts.start().toSeconds() + " s; the end of " + show(log) + ":\n" + tail(text, 15));
            }
            Thread.sleep(50);
        }
    }

    private static String readFrom(Path log, long offset) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            if (len <= offset) {
                return "";
            }
            byte[] b = new byte[(int) Math.min(len - offset, 1 << 20)];
            f.seek(offset);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return all.subList(Math.max(0, all.size() - lines), all.size()).stream().map(l -> "  " + l)
                .collect(Collectors.joining("\n"));
    }

    /**
     * Waits until every node in {@code expected} answers, lists every one of them NORMAL and
     * ALIVE, and all report the same ring; fails with what is missing after the timeout, or
     * at once when one of their processes ends.
     */
    private void awaitConverged(Collection<String> expected) throws LocalClusterException, InterruptedException {
        Map<String, String> addresses = new LinkedHashMap<>();
        for (String id : expected) {
            addresses.put(id, state.node(id).orElseThrow().clientAddress());
        }
        long deadline = System.nanoTime() + timeouts.converge().toNanos();
        try (ClusterProbe probe = new ClusterProbe(Duration.ofSeconds(2))) {
            while (true) {
                List<String> problems = ClusterProbe.problems(expected, probe.ask(addresses));
                if (problems.isEmpty()) {
                    return;
                }
                for (String id : expected) {
                    ClusterState.Node n = state.node(id).orElseThrow();
                    if (!n.process().alive()) {
                        Process p = startedHere.get(id);
                        throw new LocalClusterException(id + " (pid " + n.pid + ") exited"
                                + (p != null && !p.isAlive() ? " with status " + p.exitValue() : "")
                                + " while the cluster converged; see " + show(dir.resolve(id).resolve("node.log")));
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new LocalClusterException("gossip has not converged after "
                            + timeouts.converge().toSeconds() + " s: " + String.join("; ", problems));
                }
                Thread.sleep(200);
            }
        }
    }

    /** {@code count} distinct free loopback ports, none of {@code avoid}. */
    private static int[] freePorts(int count, Set<Integer> avoid) throws LocalClusterException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            int found = 0;
            while (found < count) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST));
                held.add(s);
                if (!avoid.contains(s.getLocalPort())) {
                    ports[found++] = s.getLocalPort();
                }
            }
            return ports;
        } catch (IOException e) {
            throw new LocalClusterException("cannot find free ports on " + HOST + ": " + e.getMessage(), e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a listening socket that accepted nothing
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel closes next
        }
        closeQuietly(lockChannel);
    }

    /** Node logging: as conf/logback.xml, to the node's standard error, which goes to its log file. */
    private static final String LOGBACK = """
            <configuration>
              <!-- Written by `cluster-sim local`: each node logs to standard error, which goes to its node.log.
                   MURMUR_LOG_LEVEL (e.g. debug) sets the level of Murmur's own loggers. -->
              <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
                <target>System.err</target>
                <encoder>
                  <pattern>%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{24} - %msg%n</pattern>
                </encoder>
              </appender>
              <logger name="io.murmur" level="${MURMUR_LOG_LEVEL:-info}"/>
              <logger name="io.netty" level="warn"/>
              <root level="warn">
                <appender-ref ref="STDERR"/>
              </root>
            </configuration>
            """;
}
