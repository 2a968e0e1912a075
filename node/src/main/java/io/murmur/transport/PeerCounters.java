package io.murmur.transport;

import java.util.concurrent.atomic.LongAdder;

/**
 * One traffic class's running counts, bumped from any of its threads and read as a
 * {@link PeerTransport.Counters} snapshot.
 */
final class PeerCounters {
    final LongAdder messagesSent = new LongAdder();
    final LongAdder messagesDropped = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder messagesReceived = new LongAdder();
    final LongAdder deliveriesDropped = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    final LongAdder connectionsRejected = new LongAdder();
    final LongAdder connectionsRefused = new LongAdder();

    PeerTransport.Counters snapshot() {
        return new PeerTransport.Counters(messagesSent.sum(), messagesDropped.sum(), bytesSent.sum(),
                connectFailures.sum(), messagesReceived.sum(), deliveriesDropped.sum(), bytesReceived.sum(),
                connectionsRejected.sum(), connectionsRefused.sum());
    }
}
