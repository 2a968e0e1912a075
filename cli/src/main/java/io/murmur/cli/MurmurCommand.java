package io.murmur.cli;

import io.murmur.client.CausalContext;
import io.murmur.client.GetOptions;
import io.murmur.client.PutOptions;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Base of the subcommands: turns every failure into the one-line error and exit status. */
abstract class MurmurCommand implements Callable<Integer> {
    @ParentCommand
    Murmur murmur;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        try {
            return execute();
        } catch (Exception e) {
            return murmur.report(err(), e);
        }
    }

    abstract int execute() throws Exception;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static CausalContext parseContext(String base64) {
        if (base64 == null) {
            return CausalContext.EMPTY;
        }
        try {
            return CausalContext.fromBase64(base64);
        } catch (IllegalArgumentException e) {
            throw new CliFailure("USAGE", "--context is not valid base64: " + e.getMessage(), Murmur.EXIT_USAGE);
        }
    }

    static GetOptions readQuorum(Integer r) {
        if (r == null) {
            return GetOptions.DEFAULT;
        }
        if (r < 1) {
            throw new CliFailure("USAGE", "--r must be at least 1: " + r, Murmur.EXIT_USAGE);
        }
        return GetOptions.withR(r);
    }

    static PutOptions writeQuorum(Integer w) {
        if (w == null) {
            return PutOptions.DEFAULT;
        }
        if (w < 1) {
            throw new CliFailure("USAGE", "--w must be at least 1: " + w, Murmur.EXIT_USAGE);
        }
        return PutOptions.withW(w);
    }
}
