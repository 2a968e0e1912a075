package io.murmur.sim.experiments;

import java.util.BitSet;

/** Jump consistent hash over the nodes, probing past failed buckets one of two ways. */
final class JumpRouter implements Router {
    /** How a failed bucket is routed around (see {@link JumpHash}). */
    enum Probe {
        KEY_PLUS_ONE("jump key+1"), RANDOM("jump random");

        final String label;

        Probe(String label) {
            this.label = label;
        }
    }

    private final String[] nodeIds;
    private final Probe probe;
    private BitSet failed = new BitSet();
    private int live;

    JumpRouter(String[] nodeIds, Probe probe) {
        this.nodeIds = nodeIds.clone();
        this.probe = probe;
        this.live = nodeIds.length;
    }

    @Override
    public String name() {
        return probe.label;
    }

    @Override
    public void setFailed(BitSet failedNodes) {
        failed = (BitSet) failedNodes.clone();
        live = nodeIds.length - failed.cardinality();
    }

    @Override
    public String route(long key) {
        return nodeIds[bucket(key)];
    }

    private int bucket(long key) {
        return probe == Probe.KEY_PLUS_ONE ? JumpHash.keyPlusOne(key, nodeIds.length, failed, live)
                : JumpHash.randomReprobe(key, nodeIds.length, failed, live);
    }

    @Override
    public long routeBatch(long[] keys, int from, int count) {
        BitSet down = failed;
        int n = nodeIds.length;
        int up = live;
        long sink = 0;
        int i = from;
        if (probe == Probe.KEY_PLUS_ONE) {
            for (int c = 0; c < count; c++) {
                sink += nodeIds[JumpHash.keyPlusOne(keys[i], n, down, up)].hashCode();
                if (++i == keys.length) {
                    i = 0;
                }
            }
        } else {
            for (int c = 0; c < count; c++) {
                sink += nodeIds[JumpHash.randomReprobe(keys[i], n, down, up)].hashCode();
                if (++i == keys.length) {
                    i = 0;
                }
            }
        }
        return sink;
    }
}
