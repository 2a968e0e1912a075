package io.murmur.cli;

import io.murmur.client.MurmurClient;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.Member;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The CPU time a measured window costs, read at its start and its end: this process's own
 * (the load generator, and the ceiling server when that runs in process) and the nodes',
 * summed over the members of the measured cluster as each reports itself in
 * {@code ClusterInfo.process_cpu_nanos}. On a machine that runs the nodes and the client
 * side by side, ops/s alone mixes up what a node does with what it waits for; CPU per
 * operation says what each operation costs, whatever the machine's other load.
 *
 * <p>A node that cannot be reached, or that does not report its CPU, makes the nodes'
 * figure unknown rather than wrong.
 */
final class CpuMeter implements AutoCloseable {
    /** Unknown: a node did not answer or does not report its CPU. */
    static final long UNKNOWN = -1;

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    /** One client per member, each talking to that member only; empty: no nodes to read. */
    private final List<MurmurClient> nodes;
    private final List<String> nodeIds;

    private CpuMeter(List<MurmurClient> nodes, List<String> nodeIds) {
        this.nodes = nodes;
        this.nodeIds = nodeIds;
    }

    /** Reads this process only: for the in-process ceiling server. */
    static CpuMeter clientOnly() {
        return new CpuMeter(null, List.of());
    }

    /**
     * Reads this process and every live member of the cluster {@code target} talks to,
     * found through it; nodes it cannot find make {@link Reading#nodeNanos} unknown.
     */
    static CpuMeter forCluster(Murmur murmur, MurmurClient target) {
        ClusterInfo info;
        try {
            info = target.clusterInfo().get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return new CpuMeter(null, List.of());
        }
        List<MurmurClient> clients = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        try {
            for (Member m : info.getMembersList()) {
                if (!m.getLiveness().equals("ALIVE") || m.getStatus().equals("LEFT")) {
                    continue;
                }
                clients.add(murmur.connect(List.of(m.getHost() + ":" + m.getClientPort()), 1, false));
                ids.add(m.getNodeId());
            }
        } catch (RuntimeException e) {
            clients.forEach(MurmurClient::close);
            return new CpuMeter(null, List.of());
        }
        return new CpuMeter(clients.isEmpty() ? null : clients, ids);
    }

    /** This process's CPU time so far, and the nodes' (or {@link #UNKNOWN}). */
    Reading read() {
        return new Reading(ownCpuNanos(), nodeCpuNanos());
    }

    private long nodeCpuNanos() {
        if (nodes == null) {
            return UNKNOWN;
        }
        List<CompletableFuture<ClusterInfo>> asked = nodes.stream().map(MurmurClient::clusterInfo).toList();
        long sum = 0;
        for (int i = 0; i < asked.size(); i++) {
            try {
                ClusterInfo info = asked.get(i).get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (!info.getNodeId().equals(nodeIds.get(i)) || info.getProcessCpuNanos() == 0) {
                    return UNKNOWN; // another node now answers there, or one that does not report
                }
                sum += info.getProcessCpuNanos();
            } catch (Exception e) {
                return UNKNOWN;
            }
        }
        return sum;
    }

    static long ownCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(UNKNOWN);
    }

    @Override
    public void close() {
        if (nodes != null) {
            nodes.forEach(MurmurClient::close);
        }
    }

    /** CPU nanoseconds used so far: by this process, and by the measured nodes together. */
    record Reading(long clientNanos, long nodeNanos) { }

    /**
     * Microseconds of CPU per operation from one reading to a later one; NaN where either
     * is unknown or no operation was done.
     */
    static double microsPerOperation(long from, long to, long operations) {
        if (from == UNKNOWN || to == UNKNOWN || operations <= 0 || to < from) {
            return Double.NaN;
        }
        return (to - from) / 1e3 / operations;
    }
}
