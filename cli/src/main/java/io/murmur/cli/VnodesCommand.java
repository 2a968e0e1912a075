package io.murmur.cli;

import io.murmur.client.MurmurClient;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.Member;
import io.murmur.proto.client.SetVnodesReply;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "vnodes", description = {
            "Show or change a node's number of virtual nodes.",
            "Without COUNT, prints the node's vnodes and ownership. With COUNT, changes it on the running "
                    + "node (the first --host), keeps it across restarts, and prints how much of the token "
                    + "space changed hands."
        })
final class VnodesCommand extends MurmurCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "COUNT", description = "New vnode count (1..4096).")
    Integer count;

    @Override
    int execute() {
        PrintWriter out = out();
        try (MurmurClient client = murmur.connect(1)) {
            if (count == null) {
                ClusterInfo info = client.blocking().clusterInfo();
                for (Member m : info.getMembersList()) {
                    if (m.getNodeId().equals(info.getNodeId())) {
                        out.println(String.format(Locale.ROOT, "%s: %d vnodes x weight %d, owns %.1f%% (ring epoch %d)",
                                m.getNodeId(), m.getVnodes(), Math.max(1, m.getWeight()), m.getOwnership() * 100,
                                info.getRingEpoch()));
                    }
                }
            } else {
                SetVnodesReply r = client.blocking().setVnodes(count);
                out.println(String.format(Locale.ROOT,
                        "vnodes %d -> %d (ring epoch %d): %d ranges, %.2f%% of the token space, change owner",
                        r.getPreviousVnodes(), r.getVnodes(), r.getRingEpoch(), r.getRangesMoved(),
                        r.getMovedFraction() * 100));
            }
        }
        out.flush();
        return Murmur.EXIT_OK;
    }
}
