package io.murmur.cli;

import io.murmur.client.MurmurClient;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.Member;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;

@Command(name = "status", description = {
            "Show every member and its health.",
            "One row per member as the answering node sees it: id, address, status (JOINING, NORMAL, "
                    + "LEAVING, LEFT), liveness (ALIVE, SUSPECT, DOWN), phi (only for the members this node "
                    + "watches; '-' otherwise), heartbeat, generation, vnodes, share of the ring, load, and the "
                    + "hints the answering node holds for the member (writes it missed) with their size."
        })
final class StatusCommand extends MurmurCommand {
    @Override
    int execute() {
        ClusterInfo info;
        try (MurmurClient client = murmur.connect(1)) {
            info = client.blocking().clusterInfo();
        }
        PrintWriter out = out();
        out.println(String.format(Locale.ROOT, "cluster %s, seen from %s; ring fingerprint %016x",
                info.getClusterName(), info.getNodeId(), info.getRingFingerprint()));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NODE", "ADDRESS", "STATUS", "LIVENESS", "PHI", "HEARTBEAT", "GENERATION", "VNODES",
            "OWNS", "LOAD", "HINTS"});
        for (Member m : info.getMembersList()) {
            rows.add(new String[] {
                m.getNodeId() + (m.getNodeId().equals(info.getNodeId()) ? " *" : ""),
                m.getHost() + ":" + m.getClientPort(),
                m.getStatus(),
                m.getLiveness().isEmpty() || m.getStatus().equals("LEFT") ? "-" : m.getLiveness(),
                !m.hasPhi() ? "-" : m.getPhi() > 99 ? ">99" : String.format(Locale.ROOT, "%.2f", m.getPhi()),
                Long.toString(m.getHeartbeat()),
                Long.toString(m.getGeneration()),
                m.getWeight() > 1 ? m.getVnodes() + "x" + m.getWeight() : Integer.toString(m.getVnodes()),
                String.format(Locale.ROOT, "%.1f%%", m.getOwnership() * 100),
                bytes(m.getLoadBytes()),
                hints(m.getHintsPending(), m.getHintBytes())});
        }
        InfoCommand.printTable(out, rows);
        out.flush();
        return Murmur.EXIT_OK;
    }

    /** Hints held for a member and their size: {@code 0}, or {@code 12 (3.4 KiB)}. */
    private static String hints(long count, long bytes) {
        return count == 0 && bytes == 0 ? "0" : Long.toUnsignedString(count) + " (" + bytes(bytes) + ")";
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
