/**
 * The YCSB benchmark report ({@code cluster-sim report}): workloads A and C on local
 * clusters of one and three nodes, side by side with the loopback ceiling and raw RocksDB,
 * and the kill-and-restart run ({@code cluster-sim report faults}).
 */
package io.murmur.sim.report;
