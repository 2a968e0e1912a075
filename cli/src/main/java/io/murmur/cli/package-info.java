/**
 * The {@code murmur} command line: one-shot reads, writes and deletes, cluster
 * inspection, and {@code bench}, a closed-loop load generator with an in-process
 * "ceiling" server to tell client and network cost apart from the node's own.
 *
 * <p>Design note: every command goes through the public Java client, so the CLI doubles
 * as its first user; output is line-oriented for scripts, errors are one line on stderr.
 */
package io.murmur.cli;
