package io.murmur.membership;

import java.time.Duration;

/**
 * How membership gossips and judges failures. The defaults are what {@code conf/node.yaml}
 * documents, each with its reason; a real node reads them from the {@code membership.*}
 * keys, the simulator builds them directly.
 *
 * @param interval            one gossip round: a heartbeat, a ping to each watched node, a
 *                            push-pull exchange with one random live peer
 * @param monitors            how many nodes watch each node (ping it every round and run a
 *                            phi detector on its answers); bounded, so failure detection
 *                            costs every node the same whatever the cluster size
 * @param indirectProbes      helpers asked to ping a watched node on our behalf when our own
 *                            ping went unanswered, so one lossy path does not raise suspicion
 * @param phiThreshold        phi at which a watcher suspects a node
 * @param phiWindow           inter-arrival samples each phi detector keeps
 * @param minStdDev           floor of the phi detector's deviation
 * @param acceptablePause     silence beyond the usual interval that costs no suspicion
 * @param suspicionTimeout    how long a suspected node has to refute before it is DOWN
 * @param localPauseThreshold how late this node's own timers may run before it concludes
 *                            that it was stalled and discounts the stall from its verdicts
 * @param fanout              peers a node tells at once when it learns news
 * @param newsRounds          rounds a change rides along on every gossip message
 * @param maxDigests          digests in one gossip message
 * @param maxStates           member states in one gossip message
 * @param maxMessageBytes     bytes of one gossip message (states beyond it wait a round)
 * @param seedGossipChance    chance per round of also gossiping with a seed, so separated
 *                            groups that share seeds find each other again
 * @param removeLeftAfter     how long a node that left stays listed (as LEFT) before it is forgotten
 * @param removeDownAfter     how long a DOWN node stays in the ring before it is forgotten
 */
public record MembershipSettings(
        Duration interval,
        int monitors,
        int indirectProbes,
        double phiThreshold,
        int phiWindow,
        Duration minStdDev,
        Duration acceptablePause,
        Duration suspicionTimeout,
        Duration localPauseThreshold,
        int fanout,
        int newsRounds,
        int maxDigests,
        int maxStates,
        int maxMessageBytes,
        double seedGossipChance,
        Duration removeLeftAfter,
        Duration removeDownAfter) {

    public static final MembershipSettings DEFAULTS = new MembershipSettings(
            Duration.ofSeconds(1), 5, 2, 8.0, 1000,
            Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofMillis(1000),
            Duration.ofMillis(500), 3, 10, 64, 64, 64 * 1024, 0.1,
            Duration.ofHours(1), Duration.ofHours(72));

    public MembershipSettings {
        positive(interval, "interval");
        positive(minStdDev, "min_std_dev");
        positive(suspicionTimeout, "suspicion_timeout");
        positive(localPauseThreshold, "local_pause_threshold");
        positive(removeLeftAfter, "remove_left_after");
        positive(removeDownAfter, "remove_down_after");
        if (acceptablePause.isNegative()) {
            throw new IllegalArgumentException("acceptable_pause must not be negative");
        }
        atLeast(monitors, 1, "monitors");
        atLeast(indirectProbes, 0, "indirect_probes");
        atLeast(phiWindow, 2, "phi_window");
        atLeast(fanout, 0, "fanout");
        atLeast(newsRounds, 1, "news_rounds");
        atLeast(maxDigests, 1, "max_digests");
        atLeast(maxStates, 1, "max_states");
        atLeast(maxMessageBytes, 1024, "max_message_bytes");
        if (!(phiThreshold > 0)) {
            throw new IllegalArgumentException("phi_threshold must be positive, got " + phiThreshold);
        }
        if (!(seedGossipChance >= 0 && seedGossipChance <= 1)) {
            throw new IllegalArgumentException("seed_gossip_chance must be in [0, 1], got " + seedGossipChance);
        }
    }

    public MembershipSettings withInterval(Duration value) {
        return new MembershipSettings(value, monitors, indirectProbes, phiThreshold, phiWindow, minStdDev,
                acceptablePause, suspicionTimeout, localPauseThreshold, fanout, newsRounds, maxDigests, maxStates,
                maxMessageBytes, seedGossipChance, removeLeftAfter, removeDownAfter);
    }

    public MembershipSettings withRemoval(Duration left, Duration down) {
        return new MembershipSettings(interval, monitors, indirectProbes, phiThreshold, phiWindow, minStdDev,
                acceptablePause, suspicionTimeout, localPauseThreshold, fanout, newsRounds, maxDigests, maxStates,
                maxMessageBytes, seedGossipChance, left, down);
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    private static void atLeast(int value, int min, String name) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", got " + value);
        }
    }
}
