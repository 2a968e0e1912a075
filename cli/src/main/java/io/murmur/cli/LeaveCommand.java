package io.murmur.cli;

import io.murmur.client.MurmurClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

@Command(name = "leave", description = {
            "Make a node leave the cluster.",
            "The node (the first --host) announces LEAVING, then LEFT, and stops. The others drop it from "
                    + "the ring; its data dir can be reused to join again later."
        })
final class LeaveCommand extends MurmurCommand {
    @Override
    int execute() {
        try (MurmurClient client = murmur.connect(1)) {
            client.blocking().leave();
        }
        PrintWriter out = out();
        out.println("left the cluster; the node stops now");
        out.flush();
        return Murmur.EXIT_OK;
    }
}
