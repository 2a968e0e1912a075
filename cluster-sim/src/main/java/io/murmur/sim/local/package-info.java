/**
 * {@code cluster-sim local}: clusters of real node processes on this machine, on loopback,
 * started, signalled and stopped by pid from a work dir that records them.
 */
package io.murmur.sim.local;
