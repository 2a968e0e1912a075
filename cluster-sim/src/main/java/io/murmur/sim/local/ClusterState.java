package io.murmur.sim.local;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The state file of a local cluster ({@code cluster.properties} in its work dir): the
 * settings it was made with and, per node, its ports, directory and the process running it
 * (pid and start time), so that every later {@code local} command finds the same nodes.
 * Written whole to a temporary file and moved into place, so a reader never sees half of it.
 */
final class ClusterState {
    static final String FILE = "cluster.properties";

    /** One node: identity and ports fixed for life, the process while one runs it. */
    static final class Node {
        final String id;
        final int clientPort;
        final int peerPort;
        long pid;
        long startedAtMillis;
        boolean paused;

        Node(String id, int clientPort, int peerPort) {
            this.id = id;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
        }

        Processes.Recorded process() {
            return new Processes.Recorded(pid, startedAtMillis);
        }

        boolean started() {
            return pid > 0;
        }

        void clearProcess() {
            pid = 0;
            startedAtMillis = 0;
            paused = false;
        }

        String clientAddress() {
            return LocalCluster.HOST + ":" + clientPort;
        }

        String peerAddress() {
            return LocalCluster.HOST + ":" + peerPort;
        }
    }

    final List<String> jvmOptions;
    /** Node settings ({@code section.key} to YAML text) written into every node's config. */
    final Map<String, String> settings;
    private final Map<String, Node> nodes = new LinkedHashMap<>();

    ClusterState(List<String> jvmOptions, Map<String, String> settings) {
        this.jvmOptions = List.copyOf(jvmOptions);
        this.settings = new LinkedHashMap<>(settings);
    }

    List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    Optional<Node> node(String id) {
        return Optional.ofNullable(nodes.get(id));
    }

    void add(Node node) {
        if (nodes.putIfAbsent(node.id, node) != null) {
            throw new IllegalStateException("node " + node.id + " exists");
        }
    }

    /** The next free id of the form {@code nK}. */
    String nextId() {
        int k = 1;
        while (nodes.containsKey("n" + k)) {
            k++;
        }
        return "n" + k;
    }

    static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    static ClusterState load(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve(FILE), StandardCharsets.UTF_8)) {
            p.load(in);
        }
        String format = p.getProperty("format", "");
        if (!format.equals("1")) {
            throw new IOException(dir.resolve(FILE) + ": not a local cluster state file of format 1");
        }
        String opts = p.getProperty("jvm_options", "").trim();
        List<String> jvmOptions = opts.isEmpty() ? List.of() : Arrays.asList(opts.split("\\s+"));
        Map<String, String> settings = new TreeMap<>();
        for (String name : p.stringPropertyNames()) {
            if (name.startsWith("set.")) {
                settings.put(name.substring(4), p.getProperty(name));
            }
        }
        ClusterState state = new ClusterState(jvmOptions, settings);
        String ids = p.getProperty("nodes", "").trim();
        for (String id : ids.isEmpty() ? new String[0] : ids.split(",")) {
            Node n = new Node(id, intOf(p, id + ".client_port"), intOf(p, id + ".peer_port"));
            n.pid = Long.parseLong(p.getProperty(id + ".pid", "0"));
            n.startedAtMillis = Long.parseLong(p.getProperty(id + ".started_at_millis", "0"));
            n.paused = Boolean.parseBoolean(p.getProperty(id + ".paused", "false"));
            state.add(n);
        }
        return state;
    }

    private static int intOf(Properties p, String key) throws IOException {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IOException("state file lacks " + key);
        }
        return Integer.parseInt(v.trim());
    }

    void save(Path dir) throws IOException {
        StringBuilder out = new StringBuilder();
        out.append("# A local Murmur cluster, kept by `cluster-sim local`. Its commands read and write this file;\n");
        out.append("# pids are checked against their start time before any signal is sent.\n");
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("format", "1");
        lines.put("jvm_options", String.join(" ", jvmOptions));
        settings.forEach((k, v) -> lines.put("set." + k, v));
        List<String> ids = new ArrayList<>(nodes.keySet());
        lines.put("nodes", String.join(",", ids));
        for (Node n : nodes.values()) {
            lines.put(n.id + ".client_port", Integer.toString(n.clientPort));
            lines.put(n.id + ".peer_port", Integer.toString(n.peerPort));
            lines.put(n.id + ".pid", Long.toString(n.pid));
            lines.put(n.id + ".started_at_millis", Long.toString(n.startedAtMillis));
            lines.put(n.id + ".paused", Boolean.toString(n.paused));
        }
        for (Map.Entry<String, String> e : lines.entrySet()) {
            out.append(escape(e.getKey())).append('=').append(escape(e.getValue())).append('\n');
        }
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.writeString(tmp, out, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** One key or value escaped as {@link Properties#store} would, without its date line. */
    private static String escape(String s) {
        Properties one = new Properties();
        one.setProperty("k", s);
        StringWriter w = new StringWriter();
        try {
            one.store(w, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String stored = w.toString().lines().filter(l -> l.startsWith("k=")).findFirst().orElseThrow();
        return stored.substring(2);
    }
}
