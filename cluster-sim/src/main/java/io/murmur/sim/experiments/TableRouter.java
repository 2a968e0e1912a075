package io.murmur.sim.experiments;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * A key to node table, as a central "connection table" would keep it, held in a
 * {@link HashMap} from the key's hash to the node id.
 *
 * <p>The table owner assigns every key of the key set up front with jump hash (an even
 * start, the same as the jump routers' with no failures). When nodes fail, the owner moves
 * each key of a failed node, in key order, to the live node with the fewest keys at that moment
 * (ties: the lower node number): least-loaded placement, which only an owner that sees every
 * key can do. Lookups are a plain map read; {@link #changedKeys()} lists what the last
 * {@link #setFailed} rewrote, so a copy of the table elsewhere (Redis) can follow.
 */
final class TableRouter implements Router {
    private final String[] nodeIds;
    private final long[] keys;
    private final int[] assignment;
    private final long[] load;
    private final Map<Long, String> table;
    private BitSet failed = new BitSet();
    private int[] changed = new int[0];

    TableRouter(String[] nodeIds, long[] keys) {
        this.nodeIds = nodeIds.clone();
        this.keys = keys;
        this.assignment = new int[keys.length];
        this.load = new long[nodeIds.length];
        this.table = new HashMap<>(keys.length * 4 / 3 + 1);
        for (int i = 0; i < keys.length; i++) {
            int node = JumpHash.bucket(keys[i], nodeIds.length);
            assignment[i] = node;
            load[node]++;
            table.put(keys[i], nodeIds[node]);
        }
        if (table.size() != keys.length) {
            throw new IllegalArgumentException("the key set has repeated hashes: "
                    + (keys.length - table.size()) + " of " + keys.length);
        }
    }

    @Override
    public String name() {
        return "table";
    }

    long[] keys() {
        return keys;
    }

    String nodeOfKey(int keyIndex) {
        return nodeIds[assignment[keyIndex]];
    }

    BitSet failed() {
        return (BitSet) failed.clone();
    }

    /** Indices (into the key set) of the keys the last {@link #setFailed} moved, ascending. */
    int[] changedKeys() {
        return changed.clone();
    }

    @Override
    public void setFailed(BitSet failedNodes) {
        failed = (BitSet) failedNodes.clone();
        if (failed.cardinality() >= nodeIds.length) {
            throw new IllegalArgumentException("every node failed: the table has nowhere to put keys");
        }
        PriorityQueue<Integer> leastLoaded = new PriorityQueue<>(nodeIds.length,
                (a, b) -> load[a] != load[b] ? Long.compare(load[a], load[b]) : Integer.compare(a, b));
        for (int node = 0; node < nodeIds.length; node++) {
            if (!failed.get(node)) {
                leastLoaded.add(node);
            }
        }
        int[] moved = new int[keys.length];
        int count = 0;
        for (int i = 0; i < keys.length; i++) {
            int from = assignment[i];
            if (!failed.get(from)) {
                continue;
            }
            int to = leastLoaded.remove();
            load[from]--;
            load[to]++;
            leastLoaded.add(to);
            assignment[i] = to;
            table.put(keys[i], nodeIds[to]);
            moved[count++] = i;
        }
        changed = Arrays.copyOf(moved, count);
    }

    @Override
    public String route(long key) {
        String node = table.get(key);
        if (node == null) {
            throw new IllegalArgumentException("key not in the table: " + key);
        }
        return node;
    }

    @Override
    public long routeBatch(long[] batchKeys, int from, int count) {
        long sink = 0;
        int i = from;
        for (int c = 0; c < count; c++) {
            sink += table.get(batchKeys[i]).hashCode();
            if (++i == batchKeys.length) {
                i = 0;
            }
        }
        return sink;
    }
}
