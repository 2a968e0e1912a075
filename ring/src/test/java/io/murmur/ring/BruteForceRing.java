package io.murmur.ring;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The ring computed the obvious, slow way, as the oracle for the differential tests: a sorted
 * list of (token, node) entries and a literal clockwise walk per query. Shares nothing with
 * {@link RingSnapshot} but the token function.
 */
final class BruteForceRing {
    record Entry(long token, String node, int index) {
    }

    record Sloppy(List<String> intended, List<String> healthy, Map<String, String> standIns) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> rackOf = new LinkedHashMap<>();

    BruteForceRing(List<RingMember> members, RingSnapshot.TokenFunction tokens) {
        List<Entry> all = new ArrayList<>();
        for (RingMember m : members) {
            rackOf.put(m.nodeId(), m.rack());
            for (int i = 0; i < m.vnodes() * m.weight(); i++) {
                all.add(new Entry(tokens.token(m.nodeId(), i), m.nodeId(), i));
            }
        }
        all.sort(Comparator.comparingLong(Entry::token)
                .thenComparing(Entry::node)
                .thenComparingInt(Entry::index));
        for (Entry e : all) {
            if (entries.isEmpty() || entries.get(entries.size() - 1).token() != e.token()) {
                entries.add(e);
            }
        }
    }

    BruteForceRing(List<RingMember> members) {
        this(members, RingMember::tokenOf);
    }

    List<Entry> entries() {
        return entries;
    }

    int racks() {
        return new HashSet<>(rackOf.values()).size();
    }

    String rackOf(String node) {
        return rackOf.get(node);
    }

    /** Index of the first entry with token >= key, wrapping to 0 (a linear scan, on purpose). */
    int start(long key) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).token() >= key) {
                return i;
            }
        }
        return 0;
    }

    /** Every node, in the order of its first token clockwise from key. */
    List<String> clockwiseNodes(long key) {
        Set<String> out = new LinkedHashSet<>();
        int s = start(key);
        for (int step = 0; step < entries.size(); step++) {
            out.add(entries.get((s + step) % entries.size()).node());
        }
        return new ArrayList<>(out);
    }

    String primary(long key) {
        return entries.get(start(key)).node();
    }

    List<String> preferenceList(long key, int n) {
        if (entries.isEmpty()) {
            return List.of();
        }
        int wanted = Math.min(n, rackOf.size());
        int rackPicks = Math.min(wanted, racks());
        List<String> picks = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Set<String> racksSeen = new HashSet<>();
        for (String node : clockwiseNodes(key)) {
            if (picks.size() < rackPicks && racksSeen.add(rackOf.get(node))) {
                picks.add(node);
            } else {
                skipped.add(node);
            }
        }
        List<String> out = new ArrayList<>(picks);
        out.addAll(skipped.subList(0, wanted - picks.size()));
        return out;
    }

    Sloppy sloppy(long key, int n, Predicate<String> unavailable) {
        List<String> intended = preferenceList(key, n);
        List<String> healthy = new ArrayList<>();
        List<String> down = new ArrayList<>();
        for (String node : intended) {
            if (unavailable.test(node)) {
                down.add(node);
            } else {
                healthy.add(node);
            }
        }
        Map<String, String> standIns = new LinkedHashMap<>();
        for (String node : clockwiseNodes(key)) {
            if (standIns.size() == down.size()) {
                break;
            }
            if (!intended.contains(node) && !unavailable.test(node)) {
                standIns.put(node, down.get(standIns.size()));
                healthy.add(node);
            }
        }
        return new Sloppy(intended, healthy, standIns);
    }

    /** The (previous token, token] ranges whose token the node owns, in token order. */
    List<TokenRange> ownedRanges(String node) {
        List<TokenRange> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).node().equals(node)) {
                long prev = entries.get((i + entries.size() - 1) % entries.size()).token();
                out.add(new TokenRange(prev, entries.get(i).token()));
            }
        }
        return out;
    }
}
