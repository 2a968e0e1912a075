package io.murmur.sim.replication;

import io.murmur.replication.Outcomes.Status;
import io.murmur.replication.ReplicationSettings;
import io.murmur.sim.LinkModel;
import io.murmur.sim.Scenario;
import io.murmur.version.VectorClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Which operations succeed, and whether a read can miss an acknowledged write, for one
 * (W, R) pair with N = 3 while one replica is crashed.
 *
 * <p>Five nodes; one of them crashes and stays down. Clients keep writing keys it
 * replicates, each time through one replica, and right after the write is acknowledged
 * they read the key through another replica (which answers from its own disk first):
 * the tightest race a client can set up. The run covers the seconds before the crash is
 * detected (requests to the dead replica time out) and the time after it is DOWN
 * (quorums that need it are refused up front).
 */
public final class ConsistencyTable {
    /** One row of the table. */
    public record Row(int w, int r, Map<Status, Long> writes, Map<Status, Long> reads, long readsAfterAck,
                      long staleReads) {
        public long writesOk() {
            return writes.getOrDefault(Status.OK, 0L);
        }

        public long readsOk() {
            return reads.getOrDefault(Status.OK, 0L);
        }
    }

    private ConsistencyTable() {
    }

    /** The pairs the table shows. */
    public static final int[][] PAIRS = {{1, 1}, {2, 2}, {3, 1}, {1, 3}};

    public static Row run(long seed, int w, int r, Duration workload) {
        ReplicationSettings settings = ReplicationSettings.DEFAULTS.withQuorums(3, 1, 1).withTimeoutMillis(500);
        ReplicaCluster cluster = new ReplicaCluster(seed, LinkModel.LAN, 5, settings);
        cluster.simulation().runFor(Duration.ofSeconds(10));
        String victim = "n3";
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < 20; i++) {
            if (cluster.replicasOf("key" + i).contains(victim)) {
                keys.add("key" + i);
            }
        }
        Map<Status, Long> writes = new EnumMap<>(Status.class);
        Map<Status, Long> reads = new EnumMap<>(Status.class);
        long[] readsAfterAck = {0};
        long[] stale = {0};
        SplittableRandom random = new SplittableRandom(seed);
        Scenario<?> scenario = Scenario.on(cluster.simulation());
        scenario.at(Duration.ZERO, "crash " + victim, s -> s.crash(victim));
        long ops = workload.toMillis() / 20;
        for (long i = 0; i < ops; i++) {
            scenario.at(Duration.ofMillis(20 * i + 1), "write then read", s -> {
                String key = keys.get(random.nextInt(keys.size()));
                List<String> live = new ArrayList<>(cluster.replicasOf(key));
                live.remove(victim);
                String writer = live.get(random.nextInt(live.size()));
                String reader = live.get(0).equals(writer) ? live.get(1) : live.get(0);
                cluster.write(writer, key, VectorClock.EMPTY, "v" + s.now(), w, wr -> {
                    writes.merge(wr.status(), 1L, Long::sum);
                    if (wr.status() != Status.OK) {
                        return;
                    }
                    cluster.read(reader, key, r, rr -> {
                        reads.merge(rr.status(), 1L, Long::sum);
                        if (rr.status() == Status.OK) {
                            readsAfterAck[0]++;
                            if (!History.covers(rr.record(), wr.dot())) {
                                stale[0]++;
                            }
                        }
                    });
                });
                // a read of another key on its own, so that reads are measured even when writes fail
                String other = keys.get(random.nextInt(keys.size()));
                cluster.read(reader, other, r, rr -> reads.merge(rr.status(), 1L, Long::sum));
            });
        }
        scenario.run(workload.plusSeconds(1));
        return new Row(w, r, writes, reads, readsAfterAck[0], stale[0]);
    }
}
