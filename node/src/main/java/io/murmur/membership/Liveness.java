package io.murmur.membership;

/**
 * What this node currently believes about another node's health. A local verdict: it is
 * not gossiped itself, but the suspicions behind it are, so all nodes reach the same one.
 */
public enum Liveness {
    /** Answering, or heard from recently enough. */
    ALIVE,
    /** A watcher's phi detector crossed the threshold; the node has until the suspicion times out to refute. */
    SUSPECT,
    /** The suspicion was not refuted in time. Still in the ring; probed until it is heard from again. */
    DOWN
}
