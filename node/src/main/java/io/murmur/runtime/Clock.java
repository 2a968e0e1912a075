package io.murmur.runtime;

/**
 * Time, as the protocol cores see it. A real node reads the system clocks; the simulator
 * supplies virtual time. Cores never read time any other way.
 */
public interface Clock {
    /** Monotonic nanoseconds from an arbitrary origin: for deadlines and intervals. */
    long nanos();

    /** Wall-clock milliseconds since the epoch: for timestamps stored with data. */
    long wallMillis();

    /** The system clocks. */
    Clock SYSTEM = new Clock() {
        @Override
        public long nanos() {
            return System.nanoTime();
        }

        @Override
        public long wallMillis() {
            return System.currentTimeMillis();
        }
    };
}
