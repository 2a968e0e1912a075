package io.murmur.cli;

import io.murmur.client.MurmurClient;
import io.murmur.client.RepairProgress;
import io.murmur.client.RepairStatus;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "repair", description = {
            "Run an anti-entropy repair on a node.",
            "The node (the first --host) compares the Merkle trees of each range it replicates with every other "
                    + "replica of the range, one session per peer and batch of ranges, and exchanges the records "
                    + "that differ. Waits for the repair, printing a line as it progresses and a summary at the end; "
                    + "exits 3 if a session failed."
        })
final class RepairCommand extends MurmurCommand {
    /** How often the node is asked how the repair is going. */
    static final long POLL_MILLIS = 500;
    private static final Pattern RANGE = Pattern.compile("(-?\\d+):(-?\\d+)");

    @Option(names = "--range", paramLabel = "START:END",
            description = "Only the node's ranges that overlap the token range (START, END] (signed 64-bit tokens; "
                    + "START = END means the whole ring). Default: every range the node replicates.")
    String range;

    @Option(names = "--no-wait", description = "Start the repair and return; 'murmur repair --status' follows it.")
    boolean noWait;

    @Option(names = "--status", description = "Start nothing: show the node's current or last repair.")
    boolean status;

    @Override
    int execute() throws InterruptedException {
        if (status && (noWait || range != null)) {
            throw new CliFailure("USAGE", "--status starts nothing: it takes neither --range nor --no-wait",
                    Murmur.EXIT_USAGE);
        }
        long[] tokens = range == null ? null : parseRange(range);
        PrintWriter out = out();
        String host = murmur.hostList().get(0);
        try (MurmurClient client = murmur.connect(List.of(host), 1, false)) {
            if (status) {
                Optional<RepairProgress> job = client.blocking().repairStatus().job();
                if (job.isEmpty()) {
                    out.println("no repair has run on " + host + " since it started");
                } else if (job.get().running()) {
                    out.println("repair running on " + host + ": " + progress(job.get()));
                } else {
                    summary(out, job.get());
                }
                out.flush();
                return Murmur.EXIT_OK;
            }
            RepairProgress started = tokens == null ? client.blocking().repair()
                    : client.blocking().repair(tokens[0], tokens[1]);
            out.println(String.format(Locale.ROOT, "repair started on %s: %d ranges, %d sessions", host,
                    started.ranges(), started.sessionsTotal()));
            out.flush();
            if (noWait) {
                return Murmur.EXIT_OK;
            }
            RepairProgress last = started;
            String lastLine = progress(started);
            while (last.running()) {
                Thread.sleep(POLL_MILLIS);
                RepairStatus now = client.blocking().repairStatus();
                if (now.job().isEmpty()) {
                    throw new CliFailure("REPAIR_FAILED", "the node no longer reports the repair (did it restart?)");
                }
                last = now.job().get();
                String line = progress(last);
                if (last.running() && !line.equals(lastLine)) {
                    out.println("  " + line);
                    out.flush();
                    lastLine = line;
                }
            }
            summary(out, last);
            out.flush();
            if (last.failure().isPresent()) {
                throw new CliFailure("REPAIR_FAILED", "the repair stopped early: " + last.failure().get());
            }
            if (last.sessionsFailed() > 0) {
                throw new CliFailure("REPAIR_FAILED", last.sessionsFailed() + " of " + last.sessionsTotal()
                        + " sessions failed (their ranges were not repaired with that peer); last: "
                        + last.lastSessionFailure().orElse("?"));
            }
        }
        return Murmur.EXIT_OK;
    }

    static long[] parseRange(String text) {
        Matcher m = RANGE.matcher(text.trim());
        if (!m.matches()) {
            throw new CliFailure("USAGE", "--range must be START:END (signed 64-bit tokens), got '" + text + "'",
                    Murmur.EXIT_USAGE);
        }
        try {
            return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
        } catch (NumberFormatException e) {
            throw new CliFailure("USAGE", "--range tokens must fit in a signed 64-bit integer, got '" + text + "'",
                    Murmur.EXIT_USAGE);
        }
    }

    private static String progress(RepairProgress p) {
        return String.format(Locale.ROOT, "sessions %d/%d, ranges compared %d, keys exchanged %d, %s",
                p.sessionsDone(), p.sessionsTotal(), p.rangesCompared(), p.keysExchanged(),
                StatusCommand.bytes(p.bytes()));
    }

    private static void summary(PrintWriter out, RepairProgress p) {
        out.println(String.format(Locale.ROOT, "repair done in %.1f s: %d of %d sessions completed%s",
                p.elapsed().toMillis() / 1000.0, p.sessionsDone() - p.sessionsFailed(), p.sessionsTotal(),
                p.sessionsFailed() > 0 ? ", " + p.sessionsFailed() + " failed" : ""));
        out.println("  ranges compared   " + p.rangesCompared());
        out.println("  ranges differing  " + p.rangesDiffering());
        out.println("  keys sent         " + p.keysSent());
        out.println("  keys received     " + p.keysReceived());
        out.println("  bytes             " + p.bytes() + (p.bytes() >= 1024 ? " (" + StatusCommand.bytes(p.bytes())
                + ")" : ""));
    }
}
