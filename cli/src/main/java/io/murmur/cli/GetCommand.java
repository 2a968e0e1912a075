package io.murmur.cli;

import io.murmur.client.GetResult;
import io.murmur.client.MurmurClient;
import io.murmur.client.ReplicaAnswer;
import io.murmur.client.Sibling;
import io.murmur.client.VersionSummary;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "get",
        description = {
            "Read a key.",
            "Prints each current sibling on its own line: the value as text if it is printable UTF-8, "
                    + "else as 0x hex; a delete as '(deleted TIME)'. Then prints 'context=BASE64' to pass "
                    + "to the next put or del of the key.",
            "A key never written, or whose siblings are all deletes, prints '(not found)' and exits 1 "
                    + "(the context line still follows, so a new write can supersede the delete).",
            "With --verbose, also prints before the context line 'coordinator: NODE' and one line per "
                    + "replica asked: 'replica NODE: OUTCOME' and the versions it holds "
                    + "(dot, value size or tombstone, written-at); with --raw these go to stderr."
        })
final class GetCommand extends MurmurCommand {
    @Parameters(paramLabel = "KEY", description = "The key (UTF-8).")
    String key;

    @Option(names = "--r", paramLabel = "N", description = "Read quorum for this request (default: the cluster's).")
    Integer r;

    @Option(names = "--raw",
            description = "Write the value's bytes to stdout and nothing else; fails if the key has more than one sibling.")
    boolean raw;

    @Override
    int execute() throws Exception {
        GetResult result;
        try (MurmurClient client = murmur.connect(1)) {
            result = client.blocking().get(utf8(key), readQuorum(r).withVerbose(murmur.verbose));
        }
        return raw ? printRaw(result) : print(result);
    }

    private int print(GetResult result) {
        PrintWriter out = out();
        for (Sibling s : result.siblings()) {
            out.println(s.tombstone()
                    ? "(deleted " + Instant.ofEpochMilli(s.writtenAtMillis()) + ")"
                    : Values.display(s.value()));
        }
        if (!result.found()) {
            out.println("(not found)");
        }
        if (murmur.verbose) {
            printReplicas(out, result);
        }
        if (!result.context().isEmpty()) {
            out.println("context=" + result.context().toBase64());
        }
        out.flush();
        return result.found() ? Murmur.EXIT_OK : Murmur.EXIT_NOT_FOUND;
    }

    /** The coordinator and one line per replica, as a verbose read reports them. */
    static void printReplicas(PrintWriter out, GetResult result) {
        out.println("coordinator: " + (result.coordinator().isEmpty() ? "(not reported)" : result.coordinator()));
        for (ReplicaAnswer replica : result.replicas()) {
            StringBuilder line = new StringBuilder("replica ").append(replica.nodeId()).append(": ")
                    .append(replica.outcome());
            if (replica.outcome().equals("ok") && replica.versions().isEmpty()) {
                line.append("; no versions");
            }
            for (VersionSummary v : replica.versions()) {
                line.append("; ").append(v.dot())
                        .append(v.tombstone() ? " tombstone" : " value " + v.valueBytes() + " bytes")
                        .append(" written ").append(Instant.ofEpochMilli(v.writtenAtMillis()));
            }
            out.println(line);
        }
    }

    private int printRaw(GetResult result) throws Exception {
        if (result.siblings().size() > 1) {
            throw new CliFailure("SIBLINGS", "key has " + result.siblings().size()
                    + " siblings; read it without --raw and write it back with its context to resolve them");
        }
        if (!result.found()) {
            err().println("(not found)");
            err().flush();
            return Murmur.EXIT_NOT_FOUND;
        }
        if (murmur.verbose) {
            printReplicas(err(), result);
            err().flush();
        }
        OutputStream stdout = murmur.stdout();
        stdout.write(result.siblings().get(0).value());
        stdout.flush();
        return Murmur.EXIT_OK;
    }
}
