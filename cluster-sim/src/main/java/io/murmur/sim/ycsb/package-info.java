/**
 * The YCSB binding ({@code bin/ycsb.sh}): YCSB's core workloads against a Murmur cluster
 * through the Java client.
 */
package io.murmur.sim.ycsb;
