package io.murmur.sim.antientropy;

import com.google.protobuf.UnsafeByteOperations;
import io.murmur.proto.peer.KeyedRecord;
import io.murmur.storage.InMemoryStorage;
import io.murmur.storage.RecordCodec;
import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Two replicas holding the same seeded keys, then made to differ in a chosen share of
 * them, and put back afterwards, so that one load serves many runs.
 *
 * <p>Every key gets a random 16-byte key and a random value, written once by a random
 * coordinator ({@code n1} or {@code n2}); both replicas hold that very record object (so
 * values are shared, not copied). A differing key is one of five kinds, drawn evenly:
 * missing on the initiator, missing on the responder, stale on the initiator (the
 * responder holds a successor write), stale on the responder, or concurrent (each holds
 * its own successor of the common write: siblings once merged). Successors carry new
 * values of the same size.
 *
 * <p><b>Minimal bytes.</b> For each differing key and each direction, the versions the
 * receiving side lacks: those of the sender's siblings that the receiver's record neither
 * holds (same dot) nor supersedes. If there are any, they must cross; their cost is the
 * serialized size of one {@link KeyedRecord} carrying the key and exactly those versions
 * (key, versions with dots, contexts, values and timestamps, and their protobuf framing;
 * not the framing of an enclosing message). The sum over keys and directions is the least
 * any protocol shipping records in this format could send, knowing the differences for free.
 */
public final class DivergentReplicas {
    public static final int KEY_BYTES = 16;
    /** Wall time of the common writes and of the successors, before the replicas meet. */
    static final long WRITTEN_MILLIS = RepairCluster.WALL_START_MILLIS - 60_000;
    static final long SUCCESSOR_MILLIS = RepairCluster.WALL_START_MILLIS - 30_000;

    /** How a differing key differs. */
    public enum Kind {
        MISSING_ON_INITIATOR, MISSING_ON_RESPONDER, STALE_ON_INITIATOR, STALE_ON_RESPONDER, CONCURRENT
    }

    private final long seed;
    private final int valueBytes;
    private final byte[][] keys;
    private final VersionedRecord[] common;
    private final InMemoryStorage initiator;
    private final InMemoryStorage responder;
    private Divergence current;

    /**
     * The differences made by one {@link #diverge}.
     *
     * @param differing      keys whose records differ between the replicas
     * @param kinds          differing keys by kind
     * @param minimalBytes   see the class comment
     * @param minimalRecords (key, direction) pairs in the minimal bytes
     * @param indexes        the differing keys (by load order)
     * @param expected       what each differing key must hold on both replicas after a
     *                       repair: the merge of both sides
     */
    public record Divergence(double fraction, int differing, Map<Kind, Integer> kinds, long minimalBytes,
                             long minimalRecords, int[] indexes, VersionedRecord[] expected) {
    }

    /**
     * Loads {@code count} keys of {@code valueBytes}-byte values into both (empty) stores,
     * directly, not through any trees. The same seed gives the same keys and values.
     */
    public DivergentReplicas(long seed, int count, int valueBytes, InMemoryStorage initiator,
                             InMemoryStorage responder) {
        this.seed = seed;
        this.valueBytes = valueBytes;
        this.initiator = initiator;
        this.responder = responder;
        this.keys = new byte[count][];
        this.common = new VersionedRecord[count];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            byte[] key = new byte[KEY_BYTES];
            rng.nextBytes(key);
            byte[] value = new byte[valueBytes];
            rng.nextBytes(value);
            String coordinator = rng.nextBoolean() ? "n1" : "n2";
            VersionedRecord record = VersionedRecord.EMPTY.add(
                    Version.value(new Dot(coordinator, 1), VectorClock.EMPTY, value, WRITTEN_MILLIS));
            keys[i] = key;
            common[i] = record;
            set(initiator, key, record);
            set(responder, key, record);
        }
        if (initiator.size() != count || responder.size() != count) {
            throw new IllegalStateException("two random keys collided");
        }
    }

    public int keys() {
        return keys.length;
    }

    public InMemoryStorage initiator() {
        return initiator;
    }

    public InMemoryStorage responder() {
        return responder;
    }

    /**
     * Makes {@code Math.round(fraction * keys)} keys differ. The differing keys of a smaller
     * fraction are among those of a larger one; their kinds and new values follow from the
     * seed and the fraction.
     *
     * @throws IllegalStateException if the replicas still differ from the last call
     */
    public Divergence diverge(double fraction) {
        if (fraction < 0 || fraction > 1) {
            throw new IllegalArgumentException("fraction must be in [0, 1]: " + fraction);
        }
        if (current != null) {
            throw new IllegalStateException("restore() the last divergence first");
        }
        int differing = (int) Math.round(fraction * keys.length);
        int[] indexes = Arrays.copyOf(permutationPrefix(keys.length, differing,
                new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 17)), differing);
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 29);
        Map<Kind, Integer> kinds = new EnumMap<>(Kind.class);
        VersionedRecord[] expected = new VersionedRecord[differing];
        long minimal = 0;
        long minimalRecords = 0;
        Kind[] all = Kind.values();
        for (int j = 0; j < differing; j++) {
            int i = indexes[j];
            VersionedRecord base = common[i];
            Kind kind = all[rng.nextInt(all.length)];
            kinds.merge(kind, 1, Integer::sum);
            VersionedRecord a;
            VersionedRecord b;
            switch (kind) {
                case MISSING_ON_INITIATOR -> {
                    a = VersionedRecord.EMPTY;
                    b = base;
                }
                case MISSING_ON_RESPONDER -> {
                    a = base;
                    b = VersionedRecord.EMPTY;
                }
                case STALE_ON_INITIATOR -> {
                    a = base;
                    b = successor(base, "n2", rng);
                }
                case STALE_ON_RESPONDER -> {
                    a = successor(base, "n1", rng);
                    b = base;
                }
                default -> {
                    a = successor(base, "n1", rng);
                    b = successor(base, "n2", rng);
                }
            }
            set(initiator, keys[i], a);
            set(responder, keys[i], b);
            expected[j] = a.merge(b);
            for (List<Version> lacked : List.of(lacked(a, b), lacked(b, a))) {
                if (!lacked.isEmpty()) {
                    minimal += keyedRecordBytes(keys[i], lacked);
                    minimalRecords++;
                }
            }
        }
        current = new Divergence(fraction, differing, kinds, minimal, minimalRecords, indexes, expected);
        return current;
    }

    /**
     * Checks that both replicas hold every key, each differing key the merge of both sides
     * and every other its common record, and nothing else.
     *
     * @throws IllegalStateException naming the first key that is wrong
     */
    public void verifyRepaired() {
        if (current == null) {
            throw new IllegalStateException("nothing diverged");
        }
        VersionedRecord[] want = common.clone();
        for (int j = 0; j < current.differing(); j++) {
            want[current.indexes()[j]] = current.expected()[j];
        }
        if (initiator.size() != keys.length || responder.size() != keys.length) {
            throw new IllegalStateException("expected " + keys.length + " keys on each replica, the initiator holds "
                    + initiator.size() + ", the responder " + responder.size());
        }
        long wrong = 0;
        String first = null;
        for (int i = 0; i < keys.length; i++) {
            VersionedRecord a = initiator.get(keys[i]);
            VersionedRecord b = responder.get(keys[i]);
            if (!a.equals(want[i]) || !b.equals(want[i])) {
                wrong++;
                if (first == null) {
                    first = "key #" + i + ": want " + want[i] + ", initiator " + a + ", responder " + b;
                }
            }
        }
        if (wrong > 0) {
            throw new IllegalStateException(wrong + " keys wrong after the repair, e.g. " + first);
        }
    }

    /** Puts the common record back on both replicas for every key the last {@link #diverge} touched. */
    public void restore() {
        if (current == null) {
            return;
        }
        for (int i : current.indexes()) {
            set(initiator, keys[i], common[i]);
            set(responder, keys[i], common[i]);
        }
        current = null;
    }

    /** A write after {@code record}, through {@code node}, by a client that read it. */
    private VersionedRecord successor(VersionedRecord record, String node, SplittableRandom rng) {
        byte[] value = new byte[valueBytes];
        rng.nextBytes(value);
        return record.add(record.nextVersion(node, record.context(), value, SUCCESSOR_MILLIS, 10));
    }

    private static void set(InMemoryStorage s, byte[] key, VersionedRecord record) {
        s.update(key, current -> record);
    }

    /** The versions of {@code from} that {@code to} neither holds nor supersedes. */
    static List<Version> lacked(VersionedRecord to, VersionedRecord from) {
        List<Version> out = new ArrayList<>();
        for (Version v : from.siblings()) {
            if (to.add(v) != to) {
                out.add(v);
            }
        }
        return out;
    }

    /** The serialized size of a {@link KeyedRecord} carrying {@code key} and {@code versions}. */
    static int keyedRecordBytes(byte[] key, List<Version> versions) {
        return KeyedRecord.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key))
                .setRecord(RecordCodec.toMessage(VersionedRecord.of(versions))).build().getSerializedSize();
    }

    /**
     * A random permutation of {@code 0..n-1} whose first {@code count} entries are drawn
     * (partial Fisher-Yates); the rest is left in no particular order.
     */
    private static int[] permutationPrefix(int n, int count, SplittableRandom rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = 0; i < count; i++) {
            int j = i + rng.nextInt(n - i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
