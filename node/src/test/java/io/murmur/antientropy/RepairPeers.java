package io.murmur.antientropy;

import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.replication.Tombstones;
import io.murmur.replication.Topology;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import io.murmur.runtime.ManualTimers;
import io.murmur.storage.InMemoryStorage;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Anti-entropy cores of a few nodes on a hand-cranked clock, their messages queued and
 * delivered as time moves (a test may drop a node's messages to stage a crash). Every
 * node replicates every range (n = number of nodes).
 */
final class RepairPeers {
    final ManualTimers timers = new ManualTimers(0, 1_700_000_000_000L);
    final RingSnapshot ring;
    final Map<String, Node> nodes = new LinkedHashMap<>();
    final Set<String> down = new HashSet<>();
    private final ArrayDeque<Object[]> inFlight = new ArrayDeque<>();
    long messages;
    /** Every message sent, in order. */
    final List<ReplicaMessage> sent = new ArrayList<>();

    final class Node {
        final String id;
        final InMemoryStorage raw = new InMemoryStorage();
        final TreeIndex trees;
        final TrackedStorage storage;
        final Tombstones tombstones;
        final AntiEntropy core;

        Node(String id, AntiEntropySettings settings, int n) {
            this.id = id;
            this.trees = new TreeIndex(settings.depth());
            this.storage = new TrackedStorage(raw, trees);
            this.tombstones = new Tombstones(Duration.ofDays(1).toMillis(), timers, new AtomicLong());
            Topology topology = new Topology() {
                @Override
                public RingSnapshot ring() {
                    return ring;
                }

                @Override
                public boolean isLive(String nodeId) {
                    return !down.contains(nodeId);
                }

                @Override
                public boolean ready() {
                    return true;
                }

                @Override
                public String addressOf(String nodeId) {
                    return nodes.containsKey(nodeId) ? nodeId : null;
                }
            };
            this.core = new AntiEntropy(id, id, settings, n, storage, tombstones, timers, timers.scheduler(id),
                    (to, m) -> send(id, to, m), topology);
            tombstones.requireRepair(core, settings.clockSkewMillis());
        }
    }

    RepairPeers(AntiEntropySettings settings, int vnodes, String... ids) {
        List<RingMember> members = new ArrayList<>();
        for (String id : ids) {
            members.add(new RingMember(id, "r1", vnodes, 1));
        }
        ring = RingSnapshot.of(members);
        for (String id : ids) {
            nodes.put(id, new Node(id, settings, ids.length));
        }
        for (Node node : nodes.values()) {
            node.core.ensureTrees();
        }
    }

    Node node(String id) {
        return nodes.get(id);
    }

    private void send(String from, String to, ReplicaMessage m) {
        if (down.contains(from) || down.contains(to)) {
            return;
        }
        messages++;
        sent.add(m);
        inFlight.add(new Object[]{to, m});
    }

    /** Delivers queued messages (and what they cause) and runs timers for {@code d}, in 1 ms steps. */
    void run(Duration d) {
        long steps = d.toMillis();
        for (long i = 0; i < steps; i++) {
            deliverAll();
            timers.advance(Duration.ofMillis(1), down::contains);
        }
        deliverAll();
    }

    private void deliverAll() {
        while (!inFlight.isEmpty()) {
            Object[] next = inFlight.poll();
            String to = (String) next[0];
            if (!down.contains(to)) {
                nodes.get(to).core.onMessage((ReplicaMessage) next[1]);
            }
        }
    }
}
