package io.murmur.sim;

import io.murmur.runtime.Clock;
import io.murmur.runtime.PeerNetwork;
import io.murmur.runtime.Scheduler;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The seams of one simulated node: virtual clock, timers on the simulation's event
 * queue, the simulated network, a generator seeded from the run's seed and the node's
 * id, and a map that survives crashes (standing in for the disk).
 */
public interface NodeContext<M> {
    String nodeId();

    /** How many times this node has been started, from 1. */
    int incarnation();

    Clock clock();

    Scheduler scheduler();

    PeerNetwork<M> network();

    SplittableRandom random();

    /** Every node's id in the simulation, in creation order. */
    List<String> allNodes();

    /** State that survives crashes and restarts of this node. */
    Map<String, Object> durable();
}
