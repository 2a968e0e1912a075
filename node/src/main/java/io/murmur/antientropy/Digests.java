package io.murmur.antientropy;

import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;

import java.util.Arrays;
import java.util.List;

/**
 * The 64-bit hashes Merkle trees are made of.
 *
 * <p>Design note. A record's digest hashes its siblings' dots only: a dot names one write,
 * so two replicas holding the same dots hold the same record, and a digest costs a few
 * nanoseconds per sibling however large the value. A key's entry mixes the key (its token
 * and a second, independent hash of its bytes) with that digest; a tree leaf is the XOR
 * of the entries of its keys, so one write changes it in O(1) by XOR-ing out the old entry
 * and in the new one, in any order. An absent key has no entry (0).
 */
public final class Digests {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Digests() {
    }

    /** The digest of a record's versions: 0 for the empty record. */
    public static long record(VersionedRecord record) {
        List<Version> siblings = record.siblings();
        long h = 0;
        for (int i = 0; i < siblings.size(); i++) { // no iterator: this runs on every write
            Version v = siblings.get(i);
            h = mix(h * GOLDEN + mix(nodeHash(v.dot().node()) ^ v.dot().counter()));
        }
        return h;
    }

    /** The tree entry of {@code key} (whose ring token is {@code token}) holding {@code record}; 0 when empty. */
    public static long entry(long token, byte[] key, VersionedRecord record) {
        if (record.isEmpty()) {
            return 0;
        }
        return entry(token, key, record(record));
    }

    /** The tree entry of a key with the given record digest. */
    public static long entry(long token, byte[] key, long recordDigest) {
        return entryOf(keyHash(token, key), recordDigest);
    }

    /**
     * The change of {@code key}'s tree entry from {@code before} to {@code after}: the XOR
     * of both entries (0 when they are equal), hashing the key once.
     */
    public static long delta(long token, byte[] key, VersionedRecord before, VersionedRecord after) {
        long keyHash = keyHash(token, key);
        long b = before.isEmpty() ? 0 : entryOf(keyHash, record(before));
        long a = after.isEmpty() ? 0 : entryOf(keyHash, record(after));
        return b ^ a;
    }

    private static long keyHash(long token, byte[] key) {
        return mix(token ^ ((long) Arrays.hashCode(key) << 32 | key.length));
    }

    private static long entryOf(long keyHash, long recordDigest) {
        long e = mix(keyHash + GOLDEN * recordDigest);
        return e == 0 ? 1 : e; // 0 stands for "no entry"
    }

    /** The hash of an inner tree node from its children's. */
    static long parent(long left, long right) {
        if (left == 0 && right == 0) {
            return 0; // empty subtrees hash alike however deep
        }
        return mix(left * GOLDEN ^ mix(right + GOLDEN));
    }

    /** FNV-1a over the id's characters: 64 bits, so two node ids practically never collide. */
    private static long nodeHash(String node) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < node.length(); i++) {
            h ^= node.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** The MurmurHash3 finaliser: every input bit affects every output bit. */
    static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
