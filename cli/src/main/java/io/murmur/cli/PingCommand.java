package io.murmur.cli;

import io.murmur.client.BlockingMurmurClient;
import io.murmur.client.MurmurClient;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "ping", description = {
            "Measure the round trip to a node.",
            "Prints one line per ping; connection setup is not counted."
        })
final class PingCommand extends MurmurCommand {
    @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "Pings to send (default: ${DEFAULT-VALUE}).")
    int count;

    @Override
    int execute() {
        if (count < 1) {
            throw new CliFailure("USAGE", "--count must be at least 1: " + count, Murmur.EXIT_USAGE);
        }
        try (MurmurClient client = murmur.connect(1)) {
            BlockingMurmurClient blocking = client.blocking();
            for (int i = 0; i < count; i++) {
                Duration rtt = blocking.ping();
                out().println(String.format(Locale.ROOT, "pong time=%.3f ms", rtt.toNanos() / 1e6));
                out().flush();
            }
        }
        return Murmur.EXIT_OK;
    }
}
