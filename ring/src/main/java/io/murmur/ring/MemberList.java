package io.murmur.ring;

import java.util.AbstractList;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A read-only list of node ids viewed through a slice of member indices. Lookups return one
 * of these over a snapshot's precomputed table, so a lookup allocates this one small object
 * and copies nothing. The slice is never written after the snapshot is built, so the view is
 * as immutable as the snapshot; mutators throw (inherited from {@link AbstractList}).
 */
final class MemberList extends AbstractList<String> implements RandomAccess {
    private final String[] ids;
    private final int[] members;
    private final int from;
    private final int size;

    MemberList(String[] ids, int[] members, int from, int size) {
        this.ids = ids;
        this.members = members;
        this.from = from;
        this.size = size;
    }

    @Override
    public String get(int index) {
        Objects.checkIndex(index, size);
        return ids[members[from + index]];
    }

    @Override
    public int size() {
        return size;
    }
}
