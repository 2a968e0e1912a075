package io.murmur.cli;

import io.murmur.client.CausalContext;
import io.murmur.client.MurmurClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "del",
        description = {
            "Delete a key.",
            "Writes a tombstone and prints 'ok context=BASE64'. Pass the context from a get so the "
                    + "delete supersedes what was read."
        })
final class DelCommand extends MurmurCommand {
    @Parameters(paramLabel = "KEY", description = "The key (UTF-8).")
    String key;

    @Option(names = "--context", paramLabel = "BASE64", description = "Causal context from an earlier get or put.")
    String context;

    @Option(names = "--w", paramLabel = "N", description = "Write quorum for this request (default: the cluster's).")
    Integer w;

    @Override
    int execute() {
        CausalContext ctx = parseContext(context);
        CausalContext written;
        try (MurmurClient client = murmur.connect(1)) {
            written = client.blocking().delete(utf8(key), ctx, writeQuorum(w));
        }
        out().println("ok context=" + written.toBase64());
        out().flush();
        return Murmur.EXIT_OK;
    }
}
