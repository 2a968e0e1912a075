package io.murmur.cli;

import io.murmur.client.CausalContext;
import io.murmur.client.MurmurClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "put",
        description = {
            "Write a value.",
            "The value is given inline or read from a file or stdin (binary safe). Prints 'ok context=BASE64'. "
                    + "Without --context the value becomes a sibling of whatever the key holds."
        })
final class PutCommand extends MurmurCommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8).")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE", description = "The value (UTF-8); or use --file.")
    String value;

    @Option(names = "--file", paramLabel = "PATH", description = "Read the value from PATH; '-' reads stdin.")
    String file;

    @Option(names = "--context", paramLabel = "BASE64",
            description = "Causal context from an earlier get or put: the write supersedes what it covers.")
    String context;

    @Option(names = "--w", paramLabel = "N", description = "Write quorum for this request (default: the cluster's).")
    Integer w;

    @Override
    int execute() throws Exception {
        if ((value == null) == (file == null)) {
            throw new CliFailure("USAGE", "give either VALUE or --file PATH", Murmur.EXIT_USAGE);
        }
        byte[] bytes = value != null ? utf8(value) : readValue();
        CausalContext ctx = parseContext(context);
        CausalContext written;
        try (MurmurClient client = murmur.connect(1)) {
            written = client.blocking().put(utf8(key), bytes, ctx, writeQuorum(w));
        }
        out().println("ok context=" + written.toBase64());
        out().flush();
        return Murmur.EXIT_OK;
    }

    private byte[] readValue() {
        try {
            return "-".equals(file) ? murmur.stdin().readAllBytes() : Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new CliFailure("IO", "cannot read " + file + ": no such file", Murmur.EXIT_USAGE);
        } catch (IOException e) {
            throw new CliFailure("IO", "cannot read " + file + ": " + e.getMessage());
        }
    }
}
