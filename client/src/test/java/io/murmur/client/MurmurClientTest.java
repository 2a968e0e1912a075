package io.murmur.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.murmur.proto.client.AntiEntropyStats;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.Error;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.GetReply;
import io.murmur.proto.client.Pong;
import io.murmur.proto.client.PutReply;
import io.murmur.proto.client.RepairJob;
import io.murmur.proto.client.RepairReply;
import io.murmur.proto.client.RepairStatusReply;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.murmur.proto.client.Sibling;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MurmurClientTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private FakeNode node(FakeNode node) {
        toClose.add(node);
        return node;
    }

    private MurmurClient client(Consumer<MurmurClient.Builder> settings, String... hosts) {
        MurmurClient.Builder builder = MurmurClient.builder().hosts(hosts)
                .requestTimeout(Duration.ofSeconds(5)).connectTimeout(Duration.ofSeconds(2));
        settings.accept(builder);
        MurmurClient client = builder.build();
        toClose.add(client);
        return client;
    }

    private MurmurClient client(String... hosts) {
        return client(b -> { }, hosts);
    }

    /**
     * For tests that count the requests a node received: smart routing would add its own
     * ClusterInfo requests (SmartRoutingTest covers those).
     */
    private static final Consumer<MurmurClient.Builder> ROUND_ROBIN = b -> b.smartRouting(false);

    private static Throwable failureOf(CompletableFuture<?> future) {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("future did not fail in time", e);
        }
        throw new AssertionError("future succeeded: " + future.join());
    }

    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void putGetDeleteRoundTrip() {
        FakeNode node = node(FakeNode.start());
        BlockingMurmurClient client = client(node.address()).blocking();

        assertThat(client.get("k").found()).isFalse();
        assertThat(client.get("k").context().isEmpty()).isTrue();

        CausalContext written = client.put("k", "v1");
        GetResult read = client.get("k");
        assertThat(read.found()).isTrue();
        assertThat(read.siblings()).hasSize(1);
        assertThat(read.siblings().get(0).valueUtf8()).isEqualTo("v1");
        assertThat(read.context()).isEqualTo(written);

        client.put("k", "v2", read.context(), PutOptions.withW(2));
        assertThat(client.get("k", GetOptions.withR(2)).siblings()).extracting(s -> s.valueUtf8())
                .containsExactly("v2");

        CausalContext deleted = client.delete("k", client.get("k").context());
        GetResult afterDelete = client.get("k");
        assertThat(afterDelete.found()).isFalse();
        assertThat(afterDelete.siblings()).singleElement().matches(s -> s.tombstone());
        assertThat(afterDelete.context()).isEqualTo(deleted);
    }

    @Test
    void quorumOverridesTravelInTheRequest() {
        FakeNode node = node(FakeNode.start());
        BlockingMurmurClient client = client(ROUND_ROBIN, node.address()).blocking();

        client.get("k", GetOptions.withR(3));
        client.put("k".getBytes(), "v".getBytes(), null, PutOptions.withW(1));
        client.delete("k".getBytes(), CausalContext.EMPTY, PutOptions.withW(2));
        client.get("k");

        List<Request> requests = node.requests(0);
        assertThat(requests.get(1).getGet().getR()).isEqualTo(3);
        assertThat(requests.get(2).getPut().getW()).isEqualTo(1);
        assertThat(requests.get(3).getDelete().getW()).isEqualTo(2);
        assertThat(requests.get(4).getGet().hasR()).isFalse();
    }

    @Test
    void helloIsSentFirstOnEveryConnection() {
        FakeNode node = node(FakeNode.start());
        MurmurClient client = client(b -> b.connectionsPerHost(3).smartRouting(false), node.address());

        List<CompletableFuture<Duration>> pings = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            pings.add(client.ping());
        }
        CompletableFuture.allOf(pings.toArray(new CompletableFuture<?>[0])).join();

        assertThat(node.connectionCount()).isEqualTo(3);
        for (int c = 0; c < 3; c++) {
            List<Request> requests = node.requests(c);
            assertThat(requests.get(0).hasHello()).isTrue();
            assertThat(requests.get(0).getHello().getProtocolVersion()).isEqualTo(MurmurClient.PROTOCOL_VERSION);
            assertThat(requests.subList(1, requests.size())).hasSize(4).allMatch(Request::hasPing);
        }
    }

    @Test
    void aVerboseReadAsksForAndReturnsTheCoordinatorAndEachReplicasAnswer() {
        List<Request> gets = new CopyOnWriteArrayList<>();
        FakeNode node = node(FakeNode.start((request, replier) -> {
            gets.add(request);
            GetReply.Builder reply = GetReply.newBuilder()
                    .addSiblings(Sibling.newBuilder().setValue(ByteString.copyFromUtf8("v")).setWrittenAtMillis(5));
            if (request.getGet().getVerbose()) {
                reply.setCoordinator("n1")
                        .addReplicas(io.murmur.proto.client.ReplicaAnswer.newBuilder().setNodeId("n1").setOutcome("ok")
                                .addVersions(io.murmur.proto.client.VersionSummary.newBuilder()
                                        .setDot("n1:7").setWrittenAtMillis(5).setValueBytes(1))
                                .addVersions(io.murmur.proto.client.VersionSummary.newBuilder()
                                        .setDot("n2:3").setTombstone(true).setWrittenAtMillis(4)))
                        .addReplicas(io.murmur.proto.client.ReplicaAnswer.newBuilder().setNodeId("n2")
                                .setOutcome("no answer"));
            }
            replier.send(Response.newBuilder().setGet(reply));
        }));
        BlockingMurmurClient client = client(ROUND_ROBIN, node.address()).blocking();

        GetResult plain = client.get("k");
        GetResult verbose = client.get("k", GetOptions.withR(2).withVerbose(true));

        assertThat(gets.get(0).getGet().getVerbose()).isFalse();
        assertThat(gets.get(1).getGet().getVerbose()).isTrue();
        assertThat(gets.get(1).getGet().getR()).isEqualTo(2);
        assertThat(plain.coordinator()).isEmpty();
        assertThat(plain.replicas()).isEmpty();
        assertThat(verbose.siblings()).hasSize(1);
        assertThat(verbose.coordinator()).isEqualTo("n1");
        assertThat(verbose.replicas()).containsExactly(
                new ReplicaAnswer("n1", "ok", List.of(
                        new VersionSummary("n1:7", false, 5, 1),
                        new VersionSummary("n2:3", true, 4, 0))),
                new ReplicaAnswer("n2", "no answer", List.of()));
    }

    @Test
    void pipelinedRequestsMatchOutOfOrderReplies() {
        int n = 50;
        List<Object[]> held = new CopyOnWriteArrayList<>();
        FakeNode node = node(FakeNode.start((request, replier) -> {
            held.add(new Object[] {request, replier});
            if (held.size() == n) {
                // answer in reverse arrival order, each with its own key as the value
                for (int i = n - 1; i >= 0; i--) {
                    Request r = (Request) held.get(i)[0];
                    ((FakeNode.Replier) held.get(i)[1]).send(Response.newBuilder().setGet(GetReply.newBuilder()
                            .addSiblings(Sibling.newBuilder().setValue(r.getGet().getKey()))));
                }
            }
        }));
        MurmurClient client = client(ROUND_ROBIN, node.address());

        List<CompletableFuture<GetResult>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(client.get("key-" + i));
        }

        for (int i = 0; i < n; i++) {
            assertThat(futures.get(i).join().siblings().get(0).valueUtf8()).isEqualTo("key-" + i);
        }
        assertThat(node.connectionCount()).isEqualTo(1);
        assertThat(node.requests(0)).hasSize(n + 1);
        assertThat(node.requests(0).stream().skip(1).map(Request::getRequestId).distinct()).hasSize(n);
    }

    @Test
    void requestTimesOutAndLateReplyIsIgnored() {
        List<FakeNode.Replier> held = new CopyOnWriteArrayList<>();
        FakeNode node = node(FakeNode.start((request, replier) -> {
            if (request.hasGet()) {
                held.add(replier);
            } else {
                replier.send(Response.newBuilder().setPong(Pong.getDefaultInstance()));
            }
        }));
        MurmurClient client = client(b -> b.requestTimeout(Duration.ofMillis(200)), node.address());

        CompletableFuture<GetResult> slow = client.get("k");
        assertThat(failureOf(slow)).isInstanceOf(RequestTimeoutException.class).hasMessageContaining("200 ms");

        // the late reply arrives, finds nothing to complete, and the connection carries on
        held.get(0).send(Response.newBuilder().setGet(GetReply.getDefaultInstance()));
        await().atMost(Duration.ofSeconds(5)).ignoreExceptionsInstanceOf(RequestTimeoutException.class)
                .untilAsserted(() -> assertThat(client.blocking().ping()).isPositive());
        assertThat(node.connectionCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, mode = EnumSource.Mode.EXCLUDE, names = "UNRECOGNIZED")
    void everyErrorCodeBecomesItsException(ErrorCode code) {
        FakeNode node = node(FakeNode.start((request, replier) -> replier.send(Response.newBuilder()
                .setError(Error.newBuilder().setCode(code).setMessage("injected").setAcks(2).setRetryAfterMs(50)))));
        MurmurClient client = client(node.address());

        Throwable failure = failureOf(client.put("k", "v"));

        assertThat(failure).isExactlyInstanceOf(MurmurExceptionTest.expectedType(code));
        assertThatThrownBy(() -> client.blocking().get("k")).isExactlyInstanceOf(MurmurExceptionTest.expectedType(code));
        if (code == ErrorCode.TIMEOUT) {
            assertThat(((TimeoutException) failure).acks()).isEqualTo(2);
        }
        if (code == ErrorCode.RATE_LIMITED) {
            assertThat(((RateLimitedException) failure).retryAfterMillis()).isEqualTo(50);
        }
    }

    @Test
    void replyOfTheWrongKindIsAProtocolError() {
        FakeNode node = node(FakeNode.start((request, replier) ->
                replier.send(Response.newBuilder().setPut(PutReply.getDefaultInstance()))));
        MurmurClient client = client(node.address());

        assertThat(failureOf(client.get("k"))).isInstanceOf(ProtocolException.class).hasMessageContaining("GET");
    }

    @Test
    void reconnectsLazilyAfterTheNodeClosesTheConnection() {
        FakeNode node = node(FakeNode.start());
        MurmurClient client = client(node.address());
        client.put("k", "v").join();

        node.closeConnections();

        await().atMost(Duration.ofSeconds(5)).ignoreExceptionsInstanceOf(ConnectionException.class)
                .untilAsserted(() -> assertThat(client.blocking().get("k").found()).isTrue());
        assertThat(node.connectionCount()).isEqualTo(2);
        assertThat(node.requests(1).get(0).hasHello()).isTrue();
    }

    @Test
    void droppedConnectionFailsEveryPendingRequest() {
        FakeNode node = node(FakeNode.start((request, replier) -> { }));
        MurmurClient client = client(ROUND_ROBIN, node.address());
        List<CompletableFuture<GetResult>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            futures.add(client.get("k" + i));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> node.allRequests().size() == 11);

        node.closeConnections();

        for (CompletableFuture<GetResult> f : futures) {
            assertThat(failureOf(f)).isInstanceOf(ConnectionException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void noticeBeforeCloseIsReported() {
        FakeNode node = node(FakeNode.start((request, replier) -> {
            new FakeNode.Replier(replier.channel(), 0).error(ErrorCode.INVALID_REQUEST, "bad frame");
            replier.channel().close();
        }));
        MurmurClient client = client(node.address());

        assertThat(failureOf(client.get("k"))).isInstanceOf(ConnectionException.class)
                .hasMessageContaining("INVALID_REQUEST").hasMessageContaining("bad frame");
    }

    @Test
    void oversizedReplyClosesTheConnection() {
        FakeNode node = node(FakeNode.start((request, replier) -> replier.send(Response.newBuilder()
                .setGet(GetReply.newBuilder().addSiblings(Sibling.newBuilder()
                        .setValue(ByteString.copyFrom(new byte[4096])))))));
        MurmurClient client = client(b -> b.maxFrameBytes(1024), node.address());

        assertThat(failureOf(client.get("k"))).isInstanceOf(ConnectionException.class);
    }

    @Test
    void failsOverToTheNextHostWhenConnectFails() throws IOException {
        FakeNode node = node(FakeNode.start());
        MurmurClient client = client("127.0.0.1:" + deadPort(), node.address());

        for (int i = 0; i < 6; i++) {
            client.put("k" + i, "v").join();
        }

        assertThat(node.connectionCount()).isEqualTo(1);
    }

    @Test
    void allHostsDownFailsFastWithConnectionException() throws IOException {
        MurmurClient client = client(b -> b.requestTimeout(Duration.ofSeconds(30)),
                "127.0.0.1:" + deadPort(), "127.0.0.1:" + deadPort());

        long start = System.nanoTime();
        Throwable failure = failureOf(client.get("k"));

        assertThat(failure).isInstanceOf(ConnectionException.class).hasMessageContaining("tried 2");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void handshakeWithoutReplyGivesUpAfterConnectTimeout() {
        FakeNode node = node(FakeNode.start().answerHello(false));
        MurmurClient client = client(b -> b.connectTimeout(Duration.ofMillis(200)).requestTimeout(Duration.ofSeconds(30)),
                node.address());

        assertThat(failureOf(client.ping())).isInstanceOf(ConnectionException.class).hasMessageContaining("Hello");
    }

    @Test
    void protocolVersionMismatchFailsRequests() {
        FakeNode node = node(FakeNode.start().helloVersion(2));
        MurmurClient client = client(node.address());

        assertThat(failureOf(client.ping())).isInstanceOf(ProtocolException.class).hasMessageContaining("version 2");
    }

    @Test
    void refusedHelloFailsWithTheNodesError() {
        FakeNode node = node(FakeNode.start().helloError(ErrorCode.UNAUTHENTICATED));
        MurmurClient client = client(node.address());

        assertThat(failureOf(client.ping())).isInstanceOf(UnauthenticatedException.class);
    }

    @Test
    void closeFailsPendingRequestsAndRefusesNewOnes() {
        FakeNode node = node(FakeNode.start((request, replier) -> { }));
        MurmurClient client = client(ROUND_ROBIN, node.address());
        CompletableFuture<GetResult> pending = client.get("k");
        await().atMost(Duration.ofSeconds(5)).until(() -> node.allRequests().size() == 2);

        client.close();

        assertThat(pending).isCompletedExceptionally();
        assertThat(failureOf(pending)).isInstanceOf(ConnectionException.class);
        assertThat(failureOf(client.get("k"))).isInstanceOf(ConnectionException.class).hasMessageContaining("closed");
        client.close(); // idempotent
    }

    @Test
    void clusterInfoAndPing() {
        FakeNode node = node(FakeNode.start());
        BlockingMurmurClient client = client(node.address()).blocking();

        ClusterInfo info = client.clusterInfo();
        assertThat(info.getClusterName()).isEqualTo(FakeNode.CLUSTER_NAME);
        assertThat(info.getMembersList()).hasSize(1);
        assertThat(client.ping()).isPositive();
    }

    @Test
    void repairStartsAJobAndRepairStatusFollowsIt() {
        RepairJob started = RepairJob.newBuilder().setRunning(true).setSessionsTotal(4).setRanges(48).build();
        RepairJob done = RepairJob.newBuilder().setSessionsTotal(4).setSessionsDone(4).setSessionsFailed(1)
                .setRanges(48).setRangesCompared(96).setRangesDiffering(47).setKeysSent(3).setKeysReceived(10_000)
                .setBytes(819_187).setElapsedMillis(2237).setLastSessionFailure("b: did not answer").build();
        FakeNode node = node(FakeNode.start((request, replier) -> {
            switch (request.getOpCase()) {
                case REPAIR -> replier.send(Response.newBuilder().setRepair(RepairReply.newBuilder().setJob(started)));
                case REPAIR_STATUS -> replier.send(Response.newBuilder().setRepairStatus(RepairStatusReply.newBuilder()
                        .setJob(done).setStats(AntiEntropyStats.newBuilder().setEnabled(true).setTrees(48))));
                default -> replier.error(ErrorCode.INVALID_REQUEST, "unexpected " + request.getOpCase());
            }
        }));
        BlockingMurmurClient client = client(ROUND_ROBIN, node.address()).blocking();

        RepairProgress job = client.repair();
        assertThat(job.running()).isTrue();
        assertThat(job.sessionsTotal()).isEqualTo(4);
        assertThat(job.ranges()).isEqualTo(48);
        assertThat(job.succeeded()).isFalse();
        client.repair(-10, 20);
        List<Request> repairs = node.allRequests().stream().filter(Request::hasRepair).toList();
        assertThat(repairs).hasSize(2);
        assertThat(repairs.get(0).getRepair().getHasRange()).isFalse();
        assertThat(repairs.get(1).getRepair().getHasRange()).isTrue();
        assertThat(repairs.get(1).getRepair().getStart()).isEqualTo(-10);
        assertThat(repairs.get(1).getRepair().getEnd()).isEqualTo(20);

        RepairStatus status = client.repairStatus();
        RepairProgress last = status.job().orElseThrow();
        assertThat(last.running()).isFalse();
        assertThat(last.sessionsDone()).isEqualTo(4);
        assertThat(last.sessionsFailed()).isEqualTo(1);
        assertThat(last.rangesCompared()).isEqualTo(96);
        assertThat(last.rangesDiffering()).isEqualTo(47);
        assertThat(last.keysExchanged()).isEqualTo(10_003);
        assertThat(last.bytes()).isEqualTo(819_187);
        assertThat(last.elapsed()).isEqualTo(Duration.ofMillis(2237));
        assertThat(last.failure()).isEmpty();
        assertThat(last.lastSessionFailure()).contains("b: did not answer");
        assertThat(last.succeeded()).isFalse();
        assertThat(status.stats().getTrees()).isEqualTo(48);
    }

    @Test
    void aNodeThatRanNoRepairReportsNoJob() {
        FakeNode node = node(FakeNode.start((request, replier) -> replier.send(Response.newBuilder()
                .setRepairStatus(RepairStatusReply.newBuilder().setStats(AntiEntropyStats.getDefaultInstance())))));

        RepairStatus status = client(ROUND_ROBIN, node.address()).blocking().repairStatus();

        assertThat(status.job()).isEmpty();
        assertThat(status.stats().getEnabled()).isFalse();
    }

    @Test
    void aRefusedRepairFailsWithTheNodesErrorType() {
        FakeNode node = node(FakeNode.start((request, replier) -> replier.error(ErrorCode.RATE_LIMITED,
                "a repair is already running on fake-1 (1/4 sessions done)")));
        MurmurClient client = client(ROUND_ROBIN, node.address());

        assertThat(failureOf(client.repair())).isExactlyInstanceOf(RateLimitedException.class)
                .hasMessageContaining("already running");
        assertThatThrownBy(() -> client.blocking().repair(0, 0)).isExactlyInstanceOf(RateLimitedException.class);
    }

    @Test
    void externalEventLoopGroupIsLeftRunning() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            FakeNode node = node(FakeNode.start());
            MurmurClient client = MurmurClient.builder().hosts(node.address()).eventLoopGroup(group).build();
            client.blocking().put("k", "v");
            client.close();

            assertThat(group.isShuttingDown()).isFalse();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void spreadsRequestsRoundRobinOverHosts() {
        FakeNode a = node(FakeNode.start());
        FakeNode b = node(FakeNode.start());
        MurmurClient client = client(a.address(), b.address());

        for (int i = 0; i < 10; i++) {
            client.ping().join();
        }

        assertThat(a.allRequests()).filteredOn(Request::hasPing).hasSize(5);
        assertThat(b.allRequests()).filteredOn(Request::hasPing).hasSize(5);
    }

    @Test
    void everyFutureCompletesWhileConnectionsKeepDropping() throws Exception {
        FakeNode node = node(FakeNode.start());
        MurmurClient client = client(b -> b.connectionsPerHost(2).requestTimeout(Duration.ofSeconds(3)), node.address());
        List<CompletableFuture<?>> futures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            threads.add(new Thread(() -> {
                for (int i = 0; i < 500; i++) {
                    futures.add(i % 2 == 0 ? client.put("k" + id + "-" + i, "v") : client.get("k" + id + "-" + i));
                }
            }));
        }
        threads.forEach(Thread::start);
        for (int i = 0; i < 10; i++) {
            Thread.sleep(2);
            node.closeConnections();
        }
        for (Thread t : threads) {
            t.join();
        }

        CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]))
                .exceptionally(e -> null).get(10, TimeUnit.SECONDS);
        for (CompletableFuture<?> f : futures) {
            if (f.isCompletedExceptionally()) {
                assertThat(failureOf(f)).isInstanceOf(ConnectionException.class);
            }
        }
        assertThat(futures).hasSize(2000);
        assertThat(client.ping().get(5, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void builderRejectsBadSettings() {
        assertThatThrownBy(() -> MurmurClient.builder().build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MurmurClient.builder().hosts("h:99999").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MurmurClient.builder().connectionsPerHost(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MurmurClient.builder().requestTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
