package io.murmur.cli;

import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one measured run: successful operations, the measured wall time, latency
 * percentiles of the successes in microseconds, failures counted by error code, and the
 * CPU microseconds each operation cost the client process and the measured nodes
 * together (NaN where unknown).
 */
record BenchResult(String target, long operations, double seconds,
                   long p50Micros, long p99Micros, long p999Micros, long maxMicros,
                   Map<String, Long> errors, double clientCpuMicrosPerOp, double nodeCpuMicrosPerOp) {

    BenchResult {
        errors = Map.copyOf(new TreeMap<>(errors));
    }

    static BenchResult of(String target, Histogram latencies, double seconds, Map<String, Long> errors,
                          CpuMeter.Reading cpuAtStart, CpuMeter.Reading cpuAtEnd) {
        long operations = latencies.getTotalCount();
        return new BenchResult(target, operations, seconds,
                latencies.getValueAtPercentile(50.0), latencies.getValueAtPercentile(99.0),
                latencies.getValueAtPercentile(99.9), latencies.getMaxValue(), errors,
                CpuMeter.microsPerOperation(cpuAtStart.clientNanos(), cpuAtEnd.clientNanos(), operations),
                CpuMeter.microsPerOperation(cpuAtStart.nodeNanos(), cpuAtEnd.nodeNanos(), operations));
    }

    double opsPerSecond() {
        return seconds > 0 ? operations / seconds : 0;
    }

    long errorCount() {
        long n = 0;
        for (long v : errors.values()) {
            n += v;
        }
        return n;
    }

    /** {@code CODE=n CODE=n}, sorted, or {@code -} without errors. */
    String errorSummary() {
        if (errors.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(errors).forEach((code, n) -> sb.append(sb.length() == 0 ? "" : " ").append(code).append('=').append(n));
        return sb.toString();
    }
}
