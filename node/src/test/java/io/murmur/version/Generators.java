package io.murmur.version;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Seeded generators of clocks, versions and records for property tests. Everything is
 * drawn from the {@link SplittableRandom} passed in, so a seed reproduces a case.
 */
public final class Generators {
    /** A small node alphabet, so that random clocks often share entries and compare every way. */
    public static final List<String> NODES = List.of("a", "b", "c", "d", "e");

    /** Large enough that the histories below never prune a context. */
    public static final int NO_PRUNING = 64;

    private Generators() {
    }

    /** A clock over {@link #NODES}: each node present with probability 2/3, counters 1..4. */
    public static VectorClock clock(SplittableRandom r) {
        return clock(r, NODES, 4);
    }

    public static VectorClock clock(SplittableRandom r, List<String> nodes, int maxCounter) {
        List<VectorClock.Entry> entries = new ArrayList<>();
        for (String n : nodes) {
            if (r.nextInt(3) > 0) {
                entries.add(new VectorClock.Entry(n, 1 + r.nextInt(maxCounter), r.nextLong(1_000)));
            }
        }
        return VectorClock.of(entries);
    }

    /**
     * A clock that descends {@code base}: merged with a random clock, then maybe
     * incremented. Used to build causal chains, which independent random clocks rarely form.
     */
    public static VectorClock descendant(SplittableRandom r, VectorClock base) {
        VectorClock c = r.nextBoolean() ? base : base.merge(clock(r));
        if (r.nextBoolean()) {
            c = c.increment(NODES.get(r.nextInt(NODES.size())), r.nextLong(1_000));
        }
        return c;
    }

    /** A clock that {@code base} descends: some entries dropped, some counters lowered. */
    public static VectorClock ancestor(SplittableRandom r, VectorClock base) {
        List<VectorClock.Entry> kept = new ArrayList<>();
        for (VectorClock.Entry e : base.entries()) {
            int roll = r.nextInt(4);
            if (roll == 0) {
                continue;
            }
            long counter = roll == 1 ? 1 + r.nextLong(e.counter()) : e.counter();
            kept.add(new VectorClock.Entry(e.node(), counter, e.updatedAtMillis()));
        }
        return VectorClock.of(kept);
    }

    public static byte[] value(SplittableRandom r) {
        byte[] b = new byte[r.nextInt(9)];
        r.nextBytes(b);
        return b;
    }

    /**
     * A random run of clients writing one key through a few replicas, as a node does it.
     *
     * <p>Each write goes through a random coordinator, which builds the version from its own
     * replica with {@link VersionedRecord#nextVersion}. The client's context is a fresh read
     * of some replica, a stale context it kept from an earlier reply, or none. The new
     * version reaches each other replica alone, at random, and now and then one replica
     * merges another's whole record (read repair, anti-entropy), so replicas hold
     * different, overlapping sets, with gaps. About one write in eight is a delete.
     *
     * <p>Beside the versions, the run records what each writer had really seen (every dot
     * in the true history of what its context came from, and, for a write whose
     * coordinator held none of its own writes, those writes), so tests can check that a
     * context never claims a write its holder never saw.
     */
    public static History history(SplittableRandom r, int writes) {
        List<String> coordinators = NODES.subList(0, 4);
        int n = coordinators.size();
        VersionedRecord[] replicas = new VersionedRecord[n];
        Arrays.fill(replicas, VersionedRecord.EMPTY);
        List<Set<Dot>> known = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            known.add(new HashSet<>());
        }
        List<VectorClock> keptContexts = new ArrayList<>(List.of(VectorClock.EMPTY));
        List<Set<Dot>> keptKnowledge = new ArrayList<>(List.of(Set.of()));
        List<Version> written = new ArrayList<>(writes);
        Map<Dot, Set<Dot>> writerSaw = new HashMap<>();
        List<Handout> handouts = new ArrayList<>();
        long now = 1_000;
        for (int w = 0; w < writes; w++) {
            int c = r.nextInt(n);
            VectorClock context;
            Set<Dot> saw;
            switch (r.nextInt(3)) {
                case 0 -> {
                    int from = r.nextInt(n);
                    context = replicas[from].context();
                    saw = Set.copyOf(known.get(from));
                    handouts.add(new Handout(context, saw));
                }
                case 1 -> {
                    int k = r.nextInt(keptContexts.size());
                    context = keptContexts.get(k);
                    saw = keptKnowledge.get(k);
                }
                default -> {
                    context = VectorClock.EMPTY;
                    saw = Set.of();
                }
            }
            byte[] value = r.nextInt(8) == 0 ? null : value(r);
            now += r.nextInt(3);
            String node = coordinators.get(c);
            VersionedRecord before = replicas[c];
            Version v = before.nextVersion(node, context, value, now, NO_PRUNING);
            written.add(v);
            if (v.context().counter(node) > context.counter(node)) {
                // The coordinator's record held none of its own writes, so the new version
                // claims them all and what its siblings superseded (see VersionedRecord): the
                // coordinator saw each of those, and each is superseded there.
                Set<Dot> claimed = new HashSet<>(saw);
                for (Dot d : known.get(c)) {
                    boolean covered = d.node().equals(node);
                    for (Version s : before.siblings()) {
                        covered |= s.context().covers(d);
                    }
                    if (covered) {
                        claimed.add(d);
                    }
                }
                saw = Set.copyOf(claimed);
            }
            writerSaw.put(v.dot(), saw);
            Set<Dot> trueHistory = new HashSet<>(saw);
            trueHistory.add(v.dot());

            replicas[c] = replicas[c].add(v);
            known.get(c).addAll(trueHistory);
            keptContexts.add(replicas[c].context());
            keptKnowledge.add(Set.copyOf(known.get(c)));
            handouts.add(new Handout(replicas[c].context(), Set.copyOf(known.get(c))));
            for (int j = 0; j < n; j++) {
                if (j != c && r.nextBoolean()) {
                    replicas[j] = replicas[j].add(v);
                    known.get(j).addAll(trueHistory);
                }
            }
            if (r.nextInt(5) == 0) {
                int a = r.nextInt(n);
                int b = r.nextInt(n);
                replicas[a] = replicas[a].merge(replicas[b]);
                known.get(a).addAll(known.get(b));
            }
        }
        return new History(List.copyOf(written), List.of(replicas), Map.copyOf(writerSaw), List.copyOf(handouts));
    }

    /**
     * One run: every version written in order, each replica's final record, what each
     * write's client had really seen (by the write's dot), and every context handed to a
     * client with what the replica behind it had really seen.
     */
    public record History(List<Version> writes, List<VersionedRecord> replicas, Map<Dot, Set<Dot>> writerSaw,
                          List<Handout> handouts) {
        /** The record of a replica that received every write: what all replicas converge to. */
        public VersionedRecord converged() {
            return VersionedRecord.of(writes);
        }
    }

    /** A context handed to a client, and the dots the replica that made it had really seen. */
    public record Handout(VectorClock context, Set<Dot> seen) {
    }

    /** A random subset of {@code all} in random order: what one replica might have received. */
    public static List<Version> subset(SplittableRandom r, List<Version> all) {
        List<Version> out = new ArrayList<>();
        for (Version v : all) {
            if (r.nextBoolean()) {
                out.add(v);
            }
        }
        shuffle(r, out);
        return out;
    }

    public static <T> void shuffle(SplittableRandom r, List<T> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    /** A record built from a random history: one replica's state after a random run. */
    public static VersionedRecord record(SplittableRandom r) {
        return VersionedRecord.of(subset(r, history(r, 1 + r.nextInt(12)).writes()));
    }

    /**
     * A record with no gaps: the converged state of a random run, or a replica's state after
     * it merged every other replica's record. Its context covers every sibling.
     */
    public static VersionedRecord completeRecord(SplittableRandom r) {
        History h = history(r, 1 + r.nextInt(12));
        if (r.nextBoolean()) {
            return h.converged();
        }
        VersionedRecord all = VersionedRecord.EMPTY;
        for (VersionedRecord replica : h.replicas()) {
            all = all.merge(replica);
        }
        return all;
    }
}
