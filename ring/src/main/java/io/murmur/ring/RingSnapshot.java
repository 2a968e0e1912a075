package io.murmur.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * An immutable view of the ring at one epoch: the members, their tokens, and everything
 * routing needs, precomputed.
 *
 * <p>Design notes.
 * <ul>
 * <li><b>Immutable, swapped whole.</b> A snapshot is built and validated once by a
 * {@link Builder}; changes ({@link #withMember}, {@link #withVnodes}, ...) build a new one with
 * the next epoch, published through {@link Ring}. Readers never lock and never see half a
 * change. The internal arrays are never handed out.</li>
 * <li><b>Layout.</b> Sorted {@code long[] tokens} with a parallel {@code int[] owner} into the
 * member array (sorted by node id). A key is served by the first token at or after its token,
 * wrapping past the top.</li>
 * <li><b>Preference list.</b> Walking clockwise from that token: take a node if its rack is
 * new, skip (but remember, in ring order) a node whose rack already has a replica; once
 * {@code min(N, racks)} nodes are taken, fill up with the remembered and following nodes in
 * ring order. The list for N is a prefix of the list for N+1, so one table row per token
 * position, {@link Builder#precomputedReplicas} wide, answers every N up to that width: a
 * lookup is a bucketed binary search plus a view over the row, allocating only the returned
 * list. The rows are built in O(tokens × width) by one backward sweep (twice round, for the
 * wrap) keeping the first few racks and nodes in move-to-front order. Larger N walk the ring.</li>
 * <li><b>Sloppy lookup.</b> {@link #placement(long, int, NodeSet)} checks the intended
 * replicas and walks on past unavailable nodes for stand-ins, per lookup. When the set of
 * unavailable nodes is stable, {@link #availabilityView} precomputes that walk for every
 * token position (one more sweep, the same move-to-front idea over the available nodes), so
 * a lookup is a search plus one row, like the strict one, however many nodes are down.</li>
 * <li><b>Collisions.</b> If two virtual nodes hash to the same token (astronomically
 * unlikely) the one of the smaller node id, then smaller index, keeps it and the other is
 * dropped, so every node computes the same ring. A member left without tokens is rejected.</li>
 * </ul>
 */
public final class RingSnapshot {
    /**
     * Most members a snapshot accepts. Member indices fit a short, as {@link AvailabilityView}
     * stores them.
     */
    public static final int MAX_MEMBERS = 16_384;
    /** Most tokens (virtual nodes, after weights) a snapshot accepts: bounds its memory. */
    public static final int MAX_TOKENS = 1 << 22;
    /** Widest precomputed preference row: rows cost {@code 4 × width} bytes per token. */
    public static final int MAX_PRECOMPUTED_REPLICAS = 16;
    /** Default width of the precomputed rows: the usual replication factor. */
    public static final int DEFAULT_PRECOMPUTED_REPLICAS = 3;

    private static final int MAX_BUCKET_BITS = 22;
    private static final int TOKENS_PER_BUCKET_LOG2 = 2;
    private static final int[] NO_INTS = new int[0];
    private static final short[] NO_SHORTS = new short[0];

    /** Derives a virtual node's token; replaceable (package-private) so tests can force collisions. */
    @FunctionalInterface
    interface TokenFunction {
        long token(String nodeId, int index);
    }

    private final long epoch;
    private final RingMember[] members;
    private final List<RingMember> memberList;
    private final String[] ids;
    private final int[] rackOf;
    private final int rackCount;
    private final long[] tokens;
    private final int[] owner;
    private final double[] ownership;
    private final int bucketShift;
    private final int[] bucketStart;
    private final int width;
    private final int[] table;
    private final int precomputedReplicas;
    private final TokenFunction tokenFunction;

    private RingSnapshot(long epoch, RingMember[] members, String[] ids, int[] rackOf, int rackCount,
                         long[] tokens, int[] owner, int precomputedReplicas, TokenFunction tokenFunction) {
        this.epoch = epoch;
        this.members = members;
        this.memberList = List.of(members);
        this.ids = ids;
        this.rackOf = rackOf;
        this.rackCount = rackCount;
        this.tokens = tokens;
        this.owner = owner;
        this.precomputedReplicas = precomputedReplicas;
        this.tokenFunction = tokenFunction;
        this.ownership = computeOwnership();
        int bits = bucketBits(tokens.length);
        this.bucketShift = 64 - bits;
        this.bucketStart = computeBuckets(bits);
        this.width = Math.min(precomputedReplicas, members.length);
        this.table = computeRows(width);
        validate();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A snapshot of the given members at epoch 0. */
    public static RingSnapshot of(Collection<RingMember> members) {
        return builder().addAll(members).build();
    }

    /** The ring with no members, at epoch 0. */
    public static RingSnapshot empty() {
        return builder().build();
    }

    /** A builder holding this snapshot's members and settings, at this snapshot's epoch. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.epoch = epoch;
        b.precomputedReplicas = precomputedReplicas;
        b.tokenFunction = tokenFunction;
        b.baseIds = ids;
        for (RingMember m : members) {
            b.members.put(m.nodeId(), m);
        }
        return b;
    }

    // ---------------------------------------------------------------- members

    /** Increases with every change; a newer snapshot always has a larger epoch. */
    public long epoch() {
        return epoch;
    }

    /** Members sorted by node id. */
    public List<RingMember> members() {
        return memberList;
    }

    public int size() {
        return members.length;
    }

    public boolean isEmpty() {
        return members.length == 0;
    }

    public int rackCount() {
        return rackCount;
    }

    /** Number of tokens on the ring (after collisions were resolved). */
    public int tokenCount() {
        return tokens.length;
    }

    public boolean contains(String nodeId) {
        return indexOf(nodeId) >= 0;
    }

    public Optional<RingMember> member(String nodeId) {
        int m = indexOf(nodeId);
        return m < 0 ? Optional.empty() : Optional.of(members[m]);
    }

    /** The member's tokens on this ring, ascending; a copy. Empty for a non-member. */
    public long[] tokensOf(String nodeId) {
        int m = indexOf(nodeId);
        if (m < 0) {
            return new long[0];
        }
        long[] out = new long[tokens.length];
        int k = 0;
        for (int i = 0; i < tokens.length; i++) {
            if (owner[i] == m) {
                out[k++] = tokens[i];
            }
        }
        return Arrays.copyOf(out, k);
    }

    /** The share of the token space the node is primary for, in [0, 1]; 0 for a non-member. */
    public double ownership(String nodeId) {
        int m = indexOf(nodeId);
        return m < 0 ? 0.0 : ownership[m];
    }

    /**
     * A set of members for the sloppy lookup; ids that are not members are ignored. Valid for
     * this snapshot and for snapshots derived from it that keep the same member ids.
     */
    public NodeSet nodeSet(Collection<String> nodeIds) {
        long[] bits = new long[(ids.length + 63) >>> 6];
        for (String id : nodeIds) {
            int m = indexOf(id);
            if (m >= 0) {
                bits[m >>> 6] |= 1L << m;
            }
        }
        return new NodeSet(ids, bits);
    }

    // ---------------------------------------------------------------- changes

    /** Adds the member, or replaces the member with the same id; next epoch. */
    public RingSnapshot withMember(RingMember member) {
        return toBuilder().epoch(nextEpoch()).put(member).build();
    }

    /** Removes a member; next epoch. */
    public RingSnapshot withoutMember(String nodeId) {
        requireMember(nodeId);
        return toBuilder().epoch(nextEpoch()).remove(nodeId).build();
    }

    /** Changes a member's vnode count; only its highest-index tokens come or go. Next epoch. */
    public RingSnapshot withVnodes(String nodeId, int vnodes) {
        RingMember m = members[requireMember(nodeId)];
        return toBuilder().epoch(nextEpoch()).put(m.withVnodes(vnodes)).build();
    }

    /** Changes a member's weight. Next epoch. */
    public RingSnapshot withWeight(String nodeId, int weight) {
        RingMember m = members[requireMember(nodeId)];
        return toBuilder().epoch(nextEpoch()).put(m.withWeight(weight)).build();
    }

    /** What moves from {@code before} to {@code after} with {@code n} replicas per key. */
    public static RingDiff diff(RingSnapshot before, RingSnapshot after, int n) {
        return RingDiff.between(Objects.requireNonNull(before, "before"), Objects.requireNonNull(after, "after"), n);
    }

    // ---------------------------------------------------------------- lookups

    /** The node owning the first token at or after {@code token}: the primary replica. */
    public String primary(long token) {
        if (tokens.length == 0) {
            throw new IllegalStateException("the ring has no members");
        }
        return ids[owner[position(token)]];
    }

    public List<String> preferenceList(byte[] key, int n) {
        return preferenceList(Token.of(key), n);
    }

    /**
     * The first {@code n} distinct nodes clockwise from {@code token}, distinct racks first
     * (see the class note); all nodes if {@code n} exceeds the member count, none for an empty
     * ring. For {@code n} up to the precomputed width this allocates only the returned
     * read-only list.
     */
    public List<String> preferenceList(long token, int n) {
        requireReplicas(n);
        if (tokens.length == 0) {
            return List.of();
        }
        int k = Math.min(n, ids.length);
        int pos = position(token);
        if (k <= width) {
            return new MemberList(ids, table, pos * width, k);
        }
        return new MemberList(ids, walk(pos, k), 0, k);
    }

    /**
     * The sloppy lookup: the preference list, and where available nodes stand in for the
     * unavailable ones (see {@link Placement}). The fast form: a bit test per candidate.
     */
    public Placement placement(long token, int n, NodeSet unavailable) {
        Objects.requireNonNull(unavailable, "unavailable");
        if (!unavailable.numbersMembersLike(ids)) {
            throw new IllegalArgumentException("the node set was built for a ring with other members");
        }
        return place(token, n, unavailable, null);
    }

    /** The sloppy lookup with any test for unavailability (called once or twice per candidate). */
    public Placement placement(long token, int n, Predicate<String> unavailable) {
        Objects.requireNonNull(unavailable, "unavailable");
        return place(token, n, null, unavailable);
    }

    public Placement placement(byte[] key, int n, NodeSet unavailable) {
        return placement(Token.of(key), n, unavailable);
    }

    public Placement placement(byte[] key, int n, Predicate<String> unavailable) {
        return placement(Token.of(key), n, unavailable);
    }

    /**
     * The sloppy lookup for every key at once: a view whose {@link AvailabilityView#placement}
     * equals {@link #placement(long, int, NodeSet) placement(token, n, unavailable)} for every
     * token, for a search plus one table row per lookup. Build it when the set of unavailable nodes changes
     * (it takes O(tokens × n²) time and {@code 4 × n} bytes per token, see
     * {@link AvailabilityView}) and use it for every lookup until the next change.
     *
     * @throws IllegalArgumentException if the set was built for a ring with other members, or
     *                                  if {@code min(n, members)} exceeds
     *                                  {@link #MAX_PRECOMPUTED_REPLICAS}
     */
    public AvailabilityView availabilityView(NodeSet unavailable, int n) {
        Objects.requireNonNull(unavailable, "unavailable");
        if (!unavailable.numbersMembersLike(ids)) {
            throw new IllegalArgumentException("the node set was built for a ring with other members");
        }
        requireReplicas(n);
        int k = Math.min(n, ids.length);
        if (k > MAX_PRECOMPUTED_REPLICAS) {
            throw new IllegalArgumentException("an availability view holds at most "
                    + MAX_PRECOMPUTED_REPLICAS + " replicas per key, got " + n);
        }
        int[] intended = table;
        int intendedWidth = width;
        if (k > width) {
            intended = computeRows(k);
            intendedWidth = k;
        }
        short[] rows = sloppyRows(unavailable, k, intended, intendedWidth);
        int healthy = Math.min(k, ids.length - unavailable.size());
        return new AvailabilityView(this, unavailable, n, ids, k, intended, intendedWidth, rows, healthy);
    }

    // ---------------------------------------------------------------- ranges

    /** The ring segment {@code (previous token, token]} that contains {@code token}. */
    public TokenRange rangeOf(long token) {
        if (tokens.length == 0) {
            throw new IllegalStateException("the ring has no members");
        }
        return segment(position(token));
    }

    /** The node's primary ranges, one per token it owns, in ring order. */
    public List<TokenRange> rangesOwnedBy(String nodeId) {
        int m = indexOf(nodeId);
        List<TokenRange> out = new ArrayList<>();
        if (m < 0) {
            return out;
        }
        for (int i = 0; i < tokens.length; i++) {
            if (owner[i] == m) {
                out.add(segment(i));
            }
        }
        return out;
    }

    /** Every segment whose preference list of {@code n} includes the node, in ring order. */
    public List<TokenRange> rangesReplicatedBy(String nodeId, int n) {
        requireReplicas(n);
        int m = indexOf(nodeId);
        List<TokenRange> out = new ArrayList<>();
        if (m < 0) {
            return out;
        }
        int k = Math.min(n, ids.length);
        for (int pos = 0; pos < tokens.length; pos++) {
            int[] row;
            int from;
            if (k <= width) {
                row = table;
                from = pos * width;
            } else {
                row = walk(pos, k);
                from = 0;
            }
            if (containsMember(row, from, from + k, m)) {
                out.add(segment(pos));
            }
        }
        return out;
    }

    /**
     * The replicas of every key in {@code range}, which must not straddle a token of this
     * ring (ranges from {@link #rangesOwnedBy}, {@link #rangeOf} and {@link RingDiff} never do).
     */
    public List<String> replicasOf(TokenRange range, int n) {
        Objects.requireNonNull(range, "range");
        requireReplicas(n);
        if (tokens.length == 0) {
            return List.of();
        }
        int pos = position(range.end());
        if (tokens.length > 1) {
            long prev = tokens[pos == 0 ? tokens.length - 1 : pos - 1];
            boolean inside = !range.isFullRing()
                    && Long.compareUnsigned(range.start() - prev, range.end() - prev) < 0;
            if (!inside) {
                throw new IllegalArgumentException(range + " straddles a ring token; split it at "
                        + segment(pos));
            }
        }
        return preferenceList(range.end(), n);
    }

    // ---------------------------------------------------------------- internals

    /** The ring's tokens without a copy, for {@link RingDiff}; never handed outside the package. */
    long[] tokensView() {
        return tokens;
    }

    /** Index of the first token {@code >= token}, wrapping to 0; the ring must not be empty. */
    int position(long token) {
        int b = (int) ((token ^ Long.MIN_VALUE) >>> bucketShift);
        int lo = bucketStart[b];
        int hi = bucketStart[b + 1];
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (tokens[mid] < token) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == tokens.length ? 0 : lo;
    }

    /** Kept small so it inlines: the common case (every intended replica up) stays cheap. */
    private Placement place(long token, int n, NodeSet set, Predicate<String> pred) {
        requireReplicas(n);
        if (tokens.length == 0) {
            return new Placement(ids, NO_INTS, 0, 0, NO_INTS, 0, 0, null, 0);
        }
        int k = Math.min(n, ids.length);
        int pos = position(token);
        int[] row = table;
        int from = pos * width;
        if (k > width) {
            row = walk(pos, k);
            from = 0;
        }
        long downMask = 0;
        int down = 0;
        for (int i = 0; i < k; i++) {
            if (isDown(row[from + i], set, pred)) {
                down++;
                downMask |= i < 64 ? 1L << i : 0;
            }
        }
        if (down == 0) {
            return new Placement(ids, row, from, k, row, from, k, null, 0);
        }
        return withStandIns(pos, row, from, k, down, downMask, set, pred);
    }

    /**
     * Keeps the available intended replicas, then walks clockwise from the key's position for
     * the next available nodes that are not intended replicas, one per unavailable replica.
     */
    private Placement withStandIns(int pos, int[] row, int from, int k, int down, long downMask,
                                   NodeSet set, Predicate<String> pred) {
        int t = tokens.length;
        int available = k - down;
        // out[0, k): healthy members; out[k + i]: the intended member healthy slot i covers, or -1.
        int[] out = new int[2 * k];
        int h = 0;
        int missing = 0;
        for (int i = 0; i < k; i++) {
            int member = row[from + i];
            boolean isDown = i < 64 ? (downMask & (1L << i)) != 0 : isDown(member, set, pred);
            if (isDown) {
                out[k + available + missing++] = member;
            } else {
                out[k + h] = -1;
                out[h++] = member;
            }
        }
        // Every row starts with its position's owner, and the rows of consecutive positions
        // are adjacent, so walking the rows' first column reads memory the lookup has just
        // touched instead of missing the cache in owner[].
        int found = 0;
        int at = pos * width;
        int end = t * width;
        for (int step = 0; step < t && found < down; step++) {
            int o = table[at];
            at += width;
            if (at == end) {
                at = 0;
            }
            if (containsMember(row, from, from + k, o)
                    || containsMember(out, available, available + found, o)
                    || isDown(o, set, pred)) {
                continue;
            }
            out[available + found++] = o;
        }
        return new Placement(ids, row, from, k, out, 0, available + found, out, k);
    }

    /**
     * The rows of an {@link AvailabilityView}: for each position, {@code 2k} member indices
     * (shorts: {@link #MAX_MEMBERS} fits) laid out as {@link #withStandIns} lays out its
     * result. Sweeping positions backwards like {@link #computeRows}, a move-to-front list
     * holds the first {@code k} distinct available nodes clockwise from the position. That is
     * enough: the stand-ins are the first {@code down} available nodes that are not intended
     * replicas, and at most {@code k - down} intended replicas are available, so they are all
     * among the first {@code k}. For the wrap, the sweep first warms the list up over the shortest prefix of positions that holds
     * {@code k} distinct available nodes (the whole ring if it has fewer): the list it leaves
     * is the one a sweep over the whole ring would leave.
     */
    private short[] sloppyRows(NodeSet down, int k, int[] intended, int intendedWidth) {
        int t = tokens.length;
        if (t == 0) {
            return NO_SHORTS;
        }
        int rowWidth = 2 * k;
        short[] rows = new short[Math.multiplyExact(t, rowWidth)];
        boolean[] seen = new boolean[ids.length];
        int warm = 0;
        for (int distinct = 0; warm < t && distinct < k; warm++) {
            int o = owner[warm];
            if (!seen[o] && !down.containsMember(o)) {
                seen[o] = true;
                distinct++;
            }
        }
        int[] top = new int[k];
        int tops = 0;
        for (int v = t + warm - 1; v >= 0; v--) {
            int q = v < t ? v : v - t;
            int o = owner[q];
            if (!down.containsMember(o)) {
                int j = 0;
                while (j < tops && top[j] != o) {
                    j++;
                }
                if (j == tops) {
                    if (tops < k) {
                        tops++;
                    }
                    j = tops - 1;
                }
                System.arraycopy(top, 0, top, 1, j);
                top[0] = o;
            }
            if (v >= t) {
                continue;
            }
            int from = q * intendedWidth;
            int base = q * rowWidth;
            int available = 0;
            for (int i = 0; i < k; i++) {
                if (!down.containsMember(intended[from + i])) {
                    available++;
                }
            }
            int h = 0;
            int missing = 0;
            for (int i = 0; i < k; i++) {
                int member = intended[from + i];
                if (down.containsMember(member)) {
                    rows[base + k + available + missing++] = (short) member;
                } else {
                    rows[base + k + h] = -1;
                    rows[base + h++] = (short) member;
                }
            }
            int found = 0;
            for (int i = 0; i < tops && found < missing; i++) {
                if (!containsMember(intended, from, from + k, top[i])) {
                    rows[base + available + found++] = (short) top[i];
                }
            }
        }
        return rows;
    }

    private boolean isDown(int member, NodeSet set, Predicate<String> pred) {
        return set != null ? set.containsMember(member) : pred.test(ids[member]);
    }

    private static boolean containsMember(int[] a, int from, int to, int member) {
        for (int i = from; i < to; i++) {
            if (a[i] == member) {
                return true;
            }
        }
        return false;
    }

    /** The preference list of {@code k} members from position {@code pos}, by walking the ring. */
    private int[] walk(int pos, int k) {
        int t = tokens.length;
        boolean[] rackSeen = new boolean[rackCount];
        boolean[] nodeSeen = new boolean[ids.length];
        int wantPicks = Math.min(k, rackCount);
        int[] out = new int[k];
        int[] others = new int[k - wantPicks];
        int picks = 0;
        int more = 0;
        int q = pos;
        for (int step = 0; step < t && (picks < wantPicks || more < others.length); step++) {
            int o = owner[q];
            if (++q == t) {
                q = 0;
            }
            if (nodeSeen[o]) {
                continue;
            }
            nodeSeen[o] = true;
            int r = rackOf[o];
            if (picks < wantPicks && !rackSeen[r]) {
                rackSeen[r] = true;
                out[picks++] = o;
            } else if (more < others.length) {
                others[more++] = o;
            }
        }
        Invariants.check(picks == wantPicks && more == others.length,
                "walk from %d found %d of %d rack picks and %d of %d others", pos, picks, wantPicks,
                more, others.length);
        System.arraycopy(others, 0, out, picks, more);
        return out;
    }

    private TokenRange segment(int pos) {
        long prev = tokens[pos == 0 ? tokens.length - 1 : pos - 1];
        return new TokenRange(prev, tokens[pos]);
    }

    private int indexOf(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        return Arrays.binarySearch(ids, nodeId);
    }

    private int requireMember(String nodeId) {
        int m = indexOf(nodeId);
        if (m < 0) {
            throw new IllegalArgumentException("not a ring member: " + nodeId);
        }
        return m;
    }

    private long nextEpoch() {
        if (epoch == Long.MAX_VALUE) {
            throw new IllegalStateException("ring epoch exhausted");
        }
        return epoch + 1;
    }

    private static void requireReplicas(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("replicas must be >= 1, got " + n);
        }
    }

    /**
     * About {@code 2^TOKENS_PER_BUCKET_LOG2} tokens per bucket: the bucket index stays a
     * quarter of the token array (cache-friendlier), and a bucket's tokens share a cache line
     * or two, so the search inside it is nearly free.
     */
    private static int bucketBits(int tokenCount) {
        int ceilLog2 = 64 - Long.numberOfLeadingZeros(Math.max(1, tokenCount - 1L));
        return Math.max(1, Math.min(MAX_BUCKET_BITS, ceilLog2 - TOKENS_PER_BUCKET_LOG2));
    }

    /** {@code start[b]} = index of the first token whose top bits (sign flipped) are {@code >= b}. */
    private int[] computeBuckets(int bits) {
        int buckets = 1 << bits;
        int[] start = new int[buckets + 1];
        int i = 0;
        for (int b = 0; b <= buckets; b++) {
            while (i < tokens.length && ((tokens[i] ^ Long.MIN_VALUE) >>> bucketShift) < b) {
                i++;
            }
            start[b] = i;
        }
        return start;
    }

    private double[] computeOwnership() {
        double[] out = new double[members.length];
        if (tokens.length == 1) {
            out[owner[0]] = 1.0;
            return out;
        }
        for (int i = 0; i < tokens.length; i++) {
            long prev = tokens[i == 0 ? tokens.length - 1 : i - 1];
            out[owner[i]] += TokenRange.unsignedToDouble(tokens[i] - prev) / 0x1p64;
        }
        return out;
    }

    /**
     * Row {@code p} (width {@code w}) is the preference list of {@code w} from position p. Sweeping
     * positions backwards, the racks (and nodes) ordered by their first occurrence clockwise from
     * p are a move-to-front list; only its first {@code w} entries matter, and an entry that falls
     * off the front {@code w} can only come back by being seen again, so truncating is exact. The
     * first sweep round only warms the lists up for the wrap; the second writes the rows.
     * {@code w} must not exceed the member count.
     */
    int[] computeRows(int w) {
        int t = tokens.length;
        if (t == 0 || w == 0) {
            return NO_INTS;
        }
        int rackCap = Math.min(w, rackCount);
        int[] rackTop = new int[rackCap];
        int[] rackFirstNode = new int[rackCap];
        int racks = 0;
        int[] nodeTop = new int[w];
        int nodes = 0;
        int[] rows = new int[Math.multiplyExact(t, w)];
        for (int v = 2 * t - 1; v >= 0; v--) {
            int q = v < t ? v : v - t;
            int o = owner[q];
            int r = rackOf[o];

            int j = 0;
            while (j < racks && rackTop[j] != r) {
                j++;
            }
            if (j == racks) {
                if (racks < rackCap) {
                    racks++;
                }
                j = racks - 1;
            }
            System.arraycopy(rackTop, 0, rackTop, 1, j);
            System.arraycopy(rackFirstNode, 0, rackFirstNode, 1, j);
            rackTop[0] = r;
            rackFirstNode[0] = o;

            j = 0;
            while (j < nodes && nodeTop[j] != o) {
                j++;
            }
            if (j == nodes) {
                if (nodes < w) {
                    nodes++;
                }
                j = nodes - 1;
            }
            System.arraycopy(nodeTop, 0, nodeTop, 1, j);
            nodeTop[0] = o;

            if (v < t) {
                Invariants.check(racks == rackCap && nodes == w,
                        "sweep at %d saw %d racks and %d nodes", q, racks, nodes);
                int base = q * w;
                System.arraycopy(rackFirstNode, 0, rows, base, rackCap);
                int c = rackCap;
                for (int i = 0; i < nodes && c < w; i++) {
                    if (!containsMember(rackFirstNode, 0, rackCap, nodeTop[i])) {
                        rows[base + c++] = nodeTop[i];
                    }
                }
                Invariants.check(c == w, "row %d has %d of %d entries", q, c, w);
            }
        }
        return rows;
    }

    private void validate() {
        Invariants.check(ids.length == members.length && rackOf.length == members.length,
                "member arrays disagree");
        for (int m = 1; m < ids.length; m++) {
            Invariants.check(ids[m - 1].compareTo(ids[m]) < 0, "ids not strictly sorted at %d", m);
        }
        Invariants.check(owner.length == tokens.length, "owner and token arrays disagree");
        int[] count = new int[members.length];
        for (int i = 0; i < tokens.length; i++) {
            Invariants.check(i == 0 || tokens[i - 1] < tokens[i], "tokens not strictly increasing at %d", i);
            Invariants.check(owner[i] >= 0 && owner[i] < members.length, "bad owner %d at %d", owner[i], i);
            count[owner[i]]++;
        }
        for (int m = 0; m < members.length; m++) {
            Invariants.check(count[m] > 0, "member %s has no token", ids[m]);
        }
        int racksInRow = Math.min(width, rackCount);
        for (int pos = 0; pos < tokens.length; pos++) {
            int base = pos * width;
            Invariants.check(table[base] == owner[pos], "row %d does not start with the token's owner", pos);
            for (int i = 1; i < width; i++) {
                Invariants.check(!containsMember(table, base, base + i, table[base + i]),
                        "row %d repeats a node", pos);
                if (i < racksInRow) {
                    for (int j = 0; j < i; j++) {
                        Invariants.check(rackOf[table[base + j]] != rackOf[table[base + i]],
                                "row %d repeats a rack", pos);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "RingSnapshot{epoch=" + epoch + ", members=" + members.length + ", racks=" + rackCount
                + ", tokens=" + tokens.length + "}";
    }

    /**
     * Collects members and settings, then validates and builds a snapshot. Not thread-safe;
     * the snapshot it builds is.
     */
    public static final class Builder {
        private long epoch;
        private final Map<String, RingMember> members = new TreeMap<>();
        private int precomputedReplicas = DEFAULT_PRECOMPUTED_REPLICAS;
        private TokenFunction tokenFunction = RingMember::tokenOf;
        private String[] baseIds;

        private Builder() {
        }

        public Builder epoch(long value) {
            if (value < 0) {
                throw new IllegalArgumentException("epoch must be >= 0, got " + value);
            }
            this.epoch = value;
            return this;
        }

        /** Adds a member; its id must be new. */
        public Builder add(RingMember member) {
            Objects.requireNonNull(member, "member");
            if (members.containsKey(member.nodeId())) {
                throw new IllegalArgumentException("duplicate member " + member.nodeId());
            }
            members.put(member.nodeId(), member);
            return this;
        }

        public Builder addAll(Collection<RingMember> all) {
            for (RingMember m : all) {
                add(m);
            }
            return this;
        }

        /** Adds a member or replaces the one with the same id. */
        public Builder put(RingMember member) {
            Objects.requireNonNull(member, "member");
            members.put(member.nodeId(), member);
            return this;
        }

        public Builder remove(String nodeId) {
            members.remove(Objects.requireNonNull(nodeId, "nodeId"));
            return this;
        }

        /**
         * Width of the precomputed preference rows (default 3): lookups for up to this many
         * replicas allocate only their result; more replicas walk the ring.
         */
        public Builder precomputedReplicas(int value) {
            if (value < 1 || value > MAX_PRECOMPUTED_REPLICAS) {
                throw new IllegalArgumentException("precomputedReplicas must be in [1, "
                        + MAX_PRECOMPUTED_REPLICAS + "], got " + value);
            }
            this.precomputedReplicas = value;
            return this;
        }

        Builder tokenFunction(TokenFunction value) {
            this.tokenFunction = Objects.requireNonNull(value, "tokenFunction");
            return this;
        }

        public RingSnapshot build() {
            if (members.size() > MAX_MEMBERS) {
                throw new IllegalArgumentException("at most " + MAX_MEMBERS + " members, got " + members.size());
            }
            RingMember[] ms = members.values().toArray(new RingMember[0]);
            String[] ids = new String[ms.length];
            long total = 0;
            for (int m = 0; m < ms.length; m++) {
                ids[m] = ms[m].nodeId();
                total += ms[m].tokenCount();
            }
            if (total > MAX_TOKENS) {
                throw new IllegalArgumentException("at most " + MAX_TOKENS + " tokens, got " + total);
            }
            if (baseIds != null && Arrays.equals(baseIds, ids)) {
                ids = baseIds;
            }

            Map<String, Integer> rackIndex = new TreeMap<>();
            for (RingMember m : ms) {
                rackIndex.putIfAbsent(m.rack(), 0);
            }
            int r = 0;
            for (Map.Entry<String, Integer> e : rackIndex.entrySet()) {
                e.setValue(r++);
            }
            int[] rackOf = new int[ms.length];
            for (int m = 0; m < ms.length; m++) {
                rackOf[m] = rackIndex.get(ms[m].rack());
            }

            // Entries in (member id, vnode index) order; a stable sort by token keeps that
            // order among equal tokens, so the first of a run wins a collision.
            long[] raw = new long[(int) total];
            int[] rawOwner = new int[(int) total];
            int e = 0;
            for (int m = 0; m < ms.length; m++) {
                for (int i = 0; i < ms[m].tokenCount(); i++) {
                    raw[e] = tokenFunction.token(ms[m].nodeId(), i);
                    rawOwner[e] = m;
                    e++;
                }
            }
            int[] order = stableOrderByToken(raw);
            long[] tokens = new long[raw.length];
            int[] owner = new int[raw.length];
            int[] kept = new int[ms.length];
            int t = 0;
            for (int idx : order) {
                if (t > 0 && tokens[t - 1] == raw[idx]) {
                    continue;
                }
                tokens[t] = raw[idx];
                owner[t] = rawOwner[idx];
                kept[owner[t]]++;
                t++;
            }
            for (int m = 0; m < ms.length; m++) {
                if (kept[m] == 0) {
                    throw new IllegalArgumentException("member " + ids[m]
                            + " lost all its tokens to collisions; give it more vnodes");
                }
            }
            if (t < tokens.length) {
                tokens = Arrays.copyOf(tokens, t);
                owner = Arrays.copyOf(owner, t);
            }
            return new RingSnapshot(epoch, ms, ids, rackOf, rackIndex.size(), tokens, owner,
                    precomputedReplicas, tokenFunction);
        }

        /** Indices of {@code keys} sorted by key, equal keys in index order (bottom-up merge sort). */
        private static int[] stableOrderByToken(long[] keys) {
            int n = keys.length;
            int[] a = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = i;
            }
            int[] b = new int[n];
            for (int run = 1; run < n; run <<= 1) {
                for (int lo = 0; lo < n; lo += 2 * run) {
                    int mid = Math.min(lo + run, n);
                    int hi = Math.min(lo + 2 * run, n);
                    int i = lo;
                    int j = mid;
                    int k = lo;
                    while (i < mid && j < hi) {
                        b[k++] = keys[a[j]] < keys[a[i]] ? a[j++] : a[i++];
                    }
                    while (i < mid) {
                        b[k++] = a[i++];
                    }
                    while (j < hi) {
                        b[k++] = a[j++];
                    }
                }
                int[] swap = a;
                a = b;
                b = swap;
            }
            return a;
        }
    }
}
