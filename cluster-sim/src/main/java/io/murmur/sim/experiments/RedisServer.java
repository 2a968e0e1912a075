package io.murmur.sim.experiments;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway {@code redis-server} for the table experiment: started on a free 127.0.0.1
 * port with no persistence (no RDB snapshots, no append-only file) in a temporary directory,
 * and stopped with {@code SHUTDOWN NOSAVE} (killed if it does not exit), the directory
 * removed. A shutdown hook stops it too if the JVM exits early.
 */
final class RedisServer implements Closeable {
    static final String HOST = "127.0.0.1";
    static final int STARTUP_TIMEOUT_MILLIS = 10_000;
    static final int IO_TIMEOUT_MILLIS = 30_000;
    private static final int START_ATTEMPTS = 3;

    private final Process process;
    private final int port;
    private final Path dir;
    private final Thread hook;

    private RedisServer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.hook = new Thread(process::destroyForcibly, "redis-server-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The {@code redis-server} executable on the PATH, if any. */
    static Optional<Path> findOnPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dirName : path.split(File.pathSeparator)) {
            if (dirName.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dirName, "redis-server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Starts the server and waits until it answers {@code PING}. */
    static RedisServer start(Path executable) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            Path dir = Files.createTempDirectory("murmur-redis-");
            int port = freePort();
            Process p = new ProcessBuilder(List.of(executable.toString(),
                    "--port", Integer.toString(port), "--bind", HOST, "--protected-mode", "yes",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no"))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start();
            RedisServer server = new RedisServer(p, port, dir);
            try {
                server.awaitReady();
                return server;
            } catch (IOException e) {
                last = new IOException(e.getMessage() + "; redis-server said: " + server.logTail(), e);
                server.close();
            }
        }
        throw last;
    }

    int port() {
        return port;
    }

    RespClient connect() throws IOException {
        return new RespClient(HOST, port, IO_TIMEOUT_MILLIS);
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STARTUP_TIMEOUT_MILLIS);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with status " + process.exitValue());
            }
            try (RespClient c = connect()) {
                if ("PONG".equals(c.command("PING"))) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for redis-server", e);
            }
        }
        throw new IOException("redis-server did not answer PING within " + STARTUP_TIMEOUT_MILLIS + " ms", last);
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("redis.log"));
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            try (RespClient c = connect()) {
                c.command("SHUTDOWN", "NOSAVE");
            } catch (IOException expected) {
                // the server closes the connection as it exits
            }
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
