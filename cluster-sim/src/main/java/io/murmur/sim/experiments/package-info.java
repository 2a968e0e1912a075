/**
 * Experiments run by {@code bin/cluster-sim.sh experiment NAME}: each prints a table, writes
 * CSV and PNG charts to its results folder and reports progress on stderr.
 *
 * <ul>
 * <li>{@code spread}: how evenly the vnode ring spreads keys, and how many keys move when a
 * node joins or leaves ({@link io.murmur.sim.experiments.SpreadExperiment}).</li>
 * <li>{@code failover}: routing to the first healthy node as nodes fail, comparing the ring
 * with jump consistent hash and two ways to probe past a failed bucket, and with a key to
 * node table held in memory or in Redis ({@link io.murmur.sim.experiments.FailoverExperiment}).</li>
 * <li>{@code repair}: the bytes a full anti-entropy repair of two replicas exchanges against
 * the least it must, by share of differing keys and tree depth
 * ({@link io.murmur.sim.experiments.RepairExperiment}).</li>
 * </ul>
 *
 * <p>Everything except measured wall-clock times follows from the seed. The timing harness
 * reads {@code System.nanoTime} directly: it measures this machine, it is not protocol code.
 */
package io.murmur.sim.experiments;
