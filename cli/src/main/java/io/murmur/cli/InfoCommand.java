package io.murmur.cli;

import io.murmur.client.MurmurClient;
import io.murmur.proto.client.AntiEntropyStats;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.Member;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "info", description = {
            "Show the cluster.",
            "Prints, as the answering node sees it, the cluster name, the node's id, the protocol version, "
                    + "the CPU time its process has used, what its anti-entropy has done since it started, "
                    + "and the members."
        })
final class InfoCommand extends MurmurCommand {
    @Override
    int execute() {
        ClusterInfo info;
        try (MurmurClient client = murmur.connect(1)) {
            info = client.blocking().clusterInfo();
        }
        PrintWriter out = out();
        out.println("cluster:  " + info.getClusterName());
        out.println("node:     " + info.getNodeId());
        out.println("protocol: " + info.getProtocolVersion());
        out.println("ring:     epoch " + info.getRingEpoch());
        if (info.getProcessCpuNanos() > 0) {
            out.println(String.format(java.util.Locale.ROOT, "cpu:      %.1f s since the node started",
                    info.getProcessCpuNanos() / 1e9));
        }
        if (info.hasAntiEntropy()) {
            out.println("repair:   " + antiEntropy(info.getAntiEntropy()));
        }
        out.println("members:  " + info.getMembersCount());
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NODE", "HOST", "CLIENT", "PEER", "STATUS", "RACK", "VNODES", "OWNS"});
        for (Member m : info.getMembersList()) {
            rows.add(new String[] {m.getNodeId(), m.getHost(), Integer.toString(m.getClientPort()),
                Integer.toString(m.getPeerPort()), m.getStatus(), m.getRack().isEmpty() ? "-" : m.getRack(),
                m.getWeight() > 1 ? m.getVnodes() + "x" + m.getWeight() : Integer.toString(m.getVnodes()),
                String.format(java.util.Locale.ROOT, "%.1f%%", m.getOwnership() * 100)});
        }
        printTable(out, rows);
        out.flush();
        return Murmur.EXIT_OK;
    }

    /** One line of anti-entropy counters. */
    static String antiEntropy(AntiEntropyStats s) {
        if (!s.getEnabled()) {
            return "anti-entropy off";
        }
        return String.format(java.util.Locale.ROOT,
                "trees %d, tree builds %d (last %d ms); sessions %d started, %d completed, %d failed, %d served; "
                        + "ranges %d compared, %d differing; keys %d sent, %d received; %s sent, %s received",
                s.getTrees(), s.getTreeRebuilds(), s.getLastRebuildMillis(), s.getSessionsStarted(),
                s.getSessionsCompleted(), s.getSessionsFailed(), s.getSessionsServed(), s.getRangesCompared(),
                s.getRangesDiffering(), s.getKeysSent(), s.getKeysReceived(), StatusCommand.bytes(s.getBytesSent()),
                StatusCommand.bytes(s.getBytesReceived()));
    }

    static void printTable(PrintWriter out, List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int c = 0; c < columns; c++) {
                line.append(row[c]);
                if (c < columns - 1) {
                    line.append(" ".repeat(widths[c] - row[c].length() + 2));
                }
            }
            out.println(line);
        }
    }
}
