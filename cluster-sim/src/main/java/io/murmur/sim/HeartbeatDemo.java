package io.murmur.sim;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A small epidemic protocol that exercises the kernel while the membership core is not
 * yet wired in: every interval a node bumps its own heartbeat and sends its whole table
 * (node to highest heartbeat heard) to one random peer, which keeps the larger counter
 * of each entry and answers with its own table (push-pull). Tables only grow, so once
 * faults stop every live node learns every other live node's recent heartbeat within a
 * few rounds: the end check of {@code cluster-sim sim}. Messages carry the whole table,
 * so a round costs O(nodes) per node: fine for a demo, not how the membership core
 * bounds its messages.
 */
public final class HeartbeatDemo implements NodeProcess<HeartbeatDemo.Beat> {
    /** A copy of the sender's table; {@code reply} is false on a push, true on its answer. */
    public record Beat(Map<String, Long> table, boolean reply) {
        int wireBytes() {
            return 8 + table.size() * 16;
        }
    }

    private final long intervalMillis;
    private final Map<String, Long> table = new HashMap<>();
    private NodeContext<Beat> ctx;
    private long heartbeat;

    public HeartbeatDemo(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    /** A simulation of this demo, with trace labels and wire sizes. */
    public static Simulation<Beat> newSimulation(long seed, LinkModel link) {
        return new Simulation<>(seed, link, b -> b.reply() ? "beat-reply" : "beat", Beat::wireBytes);
    }

    @Override
    public void start(NodeContext<Beat> context) {
        this.ctx = context;
        // the heartbeat survives restarts, as a generation would, so peers see it advance
        heartbeat = (Long) context.durable().getOrDefault("heartbeat", 0L);
        tick();
    }

    private void tick() {
        heartbeat++;
        ctx.durable().put("heartbeat", heartbeat);
        table.put(ctx.nodeId(), heartbeat);
        List<String> all = ctx.allNodes();
        if (all.size() > 1) {
            String peer;
            do {
                peer = all.get(ctx.random().nextInt(all.size()));
            } while (peer.equals(ctx.nodeId()));
            ctx.network().send(peer, new Beat(Map.copyOf(table), false));
        }
        long jitter = ctx.random().nextLong(intervalMillis / 10 + 1);
        ctx.scheduler().schedule(this::tick, intervalMillis - intervalMillis / 20 + jitter, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onMessage(String from, Beat message) {
        message.table().forEach((node, beat) -> table.merge(node, beat, Math::max));
        if (!message.reply()) {
            ctx.network().send(from, new Beat(Map.copyOf(table), true));
        }
    }

    /** The highest heartbeat this node has heard from {@code node} (0 if none). */
    public long heard(String node) {
        return table.getOrDefault(node, 0L);
    }

    public long heartbeat() {
        return heartbeat;
    }
}
