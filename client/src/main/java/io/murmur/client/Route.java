package io.murmur.client;

/** Which hosts a request may go to. */
enum Route {
    /** A read of a key: one of its ALIVE replicas, rotating; else any host. */
    READ,
    /** A write of a key: its first ALIVE replica; else any host. */
    WRITE,
    /** Only the hosts the client was built with (admin requests about "the node that answers"). */
    CONFIGURED,
    /** Any host the client knows, configured or learned. */
    ANY
}
