package io.murmur.sim;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The lightest process there is: every interval a node sends one small message to a
 * random peer. Used to measure the kernel itself (events per second, memory per node)
 * with almost no protocol work in the way.
 */
public final class PingDemo implements NodeProcess<Long> {
    private final long intervalMillis;
    private NodeContext<Long> ctx;
    private long sent;
    private long received;

    public PingDemo(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    @Override
    public void start(NodeContext<Long> context) {
        ctx = context;
        tick();
    }

    private void tick() {
        List<String> all = ctx.allNodes();
        if (all.size() > 1) {
            ctx.network().send(all.get(ctx.random().nextInt(all.size())), ++sent);
        }
        ctx.scheduler().schedule(this::tick, intervalMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onMessage(String from, Long message) {
        received++;
    }

    public long received() {
        return received;
    }
}
