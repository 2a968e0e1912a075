package io.murmur.sim.experiments;

import java.io.PrintStream;
import java.util.Locale;

/** Progress lines on stderr, e.g. {@code [spread] 10 nodes, 128 vnodes: 3/12}. */
public final class Progress {
    private final String experiment;
    private final PrintStream out;

    public Progress(String experiment, PrintStream out) {
        this.experiment = experiment;
        this.out = out;
    }

    /** Reports nothing: for tests. */
    public static Progress silent(String experiment) {
        return new Progress(experiment, null);
    }

    public void step(String what, int done, int total) {
        if (out != null) {
            out.printf(Locale.ROOT, "[%s] %s: %d/%d%n", experiment, what, done, total);
            out.flush();
        }
    }

    public void note(String text) {
        if (out != null) {
            out.printf(Locale.ROOT, "[%s] %s%n", experiment, text);
            out.flush();
        }
    }
}
