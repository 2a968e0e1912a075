package io.murmur.sim.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the launcher does to operating-system processes: find a recorded one again (by pid,
 * checked against its recorded start time so a reused pid is never signalled), signal it,
 * wait for it to end, and tell a stopped (SIGSTOP) process from a running one.
 *
 * <p>Design note: {@link ProcessHandle} sends SIGTERM and SIGKILL but not SIGSTOP or SIGCONT,
 * so those go through the {@code kill} command. Linux's {@code /proc/PID/stat} tells whether
 * a process is stopped; elsewhere the launcher's own record of the pause is all there is.
 */
final class Processes {
    private static final Path SETSID = findSetsid();

    private Processes() {
    }

    /** A started process as the state file records it. */
    record Recorded(long pid, long startedAtMillis) {
        /** The live process, if it is still the one that was recorded. */
        Optional<ProcessHandle> handle() {
            if (pid <= 0) {
                return Optional.empty();
            }
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            if (h.isEmpty() || !h.get().isAlive()) {
                return Optional.empty();
            }
            if (startedAtMillis > 0) {
                Optional<Instant> start = h.get().info().startInstant();
                if (start.isPresent() && start.get().toEpochMilli() != startedAtMillis) {
                    return Optional.empty(); // the pid was reused by another process
                }
            }
            return h;
        }

        boolean alive() {
            return handle().isPresent();
        }
    }

    /** The recorded form of a process this launcher just started. */
    static Recorded record(Process process) {
        long started = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return new Recorded(process.pid(), started);
    }

    /**
     * The command prefix that starts a process in a session of its own ({@code setsid}, where
     * the system has it): Ctrl-C in the launcher's terminal then reaches the launcher only,
     * which stops what it started itself, and closing the terminal does not hang up the nodes.
     */
    static List<String> detachedPrefix() {
        return SETSID == null ? List.of() : List.of(SETSID.toString());
    }

    private static Path findSetsid() {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, "setsid");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Whether the process is stopped by a signal (SIGSTOP); empty where this cannot be read. */
    static Optional<Boolean> stopped(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            String text = Files.readString(stat, StandardCharsets.US_ASCII);
            int close = text.lastIndexOf(')'); // the command name may hold spaces and parentheses
            if (close < 0 || close + 2 >= text.length()) {
                return Optional.empty();
            }
            char state = text.charAt(close + 2);
            return Optional.of(state == 'T' || state == 't');
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Sends {@code signal} (STOP, CONT) with the {@code kill} command. */
    static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!kill.waitFor(10, TimeUnit.SECONDS)) {
            kill.destroyForcibly();
            throw new IOException("kill -" + signal + " " + pid + " did not return");
        }
        if (kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed: " + out);
        }
    }

    /** Waits until {@code handle} has ended or {@code timeout} passed; true when it ended. */
    static boolean awaitExit(ProcessHandle handle, Duration timeout) throws InterruptedException {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return !handle.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !handle.isAlive();
        }
    }
}
