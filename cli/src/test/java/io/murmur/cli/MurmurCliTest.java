package io.murmur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.murmur.client.FakeNode;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.GetReply;
import io.murmur.proto.client.Member;
import io.murmur.proto.client.RepairJob;
import io.murmur.proto.client.RepairReply;
import io.murmur.proto.client.RepairStatusReply;
import io.murmur.proto.client.ReplicaAnswer;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.murmur.proto.client.VersionSummary;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MurmurCliTest {
    private final List<FakeNode> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(FakeNode::close);
    }

    private FakeNode node(FakeNode node) {
        nodes.add(node);
        return node;
    }

    record Run(int exit, String out, String err, byte[] stdout) {
        List<String> outLines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
    }

    private static Run run(byte[] stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        CommandLine cl = Murmur.commandLine(new Murmur(new ByteArrayInputStream(stdin), stdout));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString().replace("\r\n", "\n"), err.toString(), stdout.toByteArray());
    }

    private static Run run(String... args) {
        return run(new byte[0], args);
    }

    private static String contextOf(Run run) {
        String line = run.outLines().get(run.outLines().size() - 1);
        assertThat(line).contains("context=");
        return line.substring(line.indexOf("context=") + "context=".length());
    }

    @Test
    void putThenGetPrintsValueAndContext() {
        FakeNode node = node(FakeNode.start());

        Run put = run("--host", node.address(), "put", "k", "hello");
        assertThat(put.exit()).isZero();
        assertThat(put.out()).startsWith("ok context=");

        Run get = run("--host", node.address(), "get", "k");
        assertThat(get.exit()).isZero();
        assertThat(get.outLines()).containsExactly("hello", "context=" + contextOf(put));
        assertThat(get.err()).isEmpty();
    }

    @Test
    void hostMayFollowTheSubcommandAndTakeAList() throws IOException {
        FakeNode node = node(FakeNode.start());

        assertThat(run("put", "k", "v", "--host", node.address()).exit()).isZero();
        assertThat(run("get", "k", "--host", "127.0.0.1:" + deadPort() + "," + node.address()).exit()).isZero();
    }

    @Test
    void missingKeyExitsOneWithoutContext() {
        FakeNode node = node(FakeNode.start());

        Run get = run("--host", node.address(), "get", "nope");

        assertThat(get.exit()).isEqualTo(1);
        assertThat(get.outLines()).containsExactly("(not found)");
    }

    @Test
    void bareCommandLineReportsNotFoundToo() {
        FakeNode node = node(FakeNode.start());
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new Murmur()).setOut(new PrintWriter(out, true));

        assertThat(cl.execute("--host", node.address(), "get", "nope")).isEqualTo(1);
        assertThat(out.toString()).contains("(not found)");
    }

    @Test
    void deletedKeyIsNotFoundButKeepsItsContext() {
        FakeNode node = node(FakeNode.start());
        Run put = run("--host", node.address(), "put", "k", "v");

        Run del = run("--host", node.address(), "del", "k", "--context", contextOf(put), "--w", "1");
        assertThat(del.exit()).isZero();
        assertThat(del.out()).startsWith("ok context=");

        Run get = run("--host", node.address(), "get", "k");
        assertThat(get.exit()).isEqualTo(1);
        assertThat(get.outLines()).hasSize(3);
        assertThat(get.outLines().get(0)).startsWith("(deleted ").endsWith("Z)");
        assertThat(get.outLines().get(1)).isEqualTo("(not found)");
        assertThat(get.outLines().get(2)).isEqualTo("context=" + contextOf(del));

        // writing back with that context supersedes the tombstone
        run("--host", node.address(), "put", "k", "again", "--context", contextOf(get));
        assertThat(run("--host", node.address(), "get", "k").outLines().get(0)).isEqualTo("again");
    }

    @Test
    void siblingsArePrintedAndRawRefusesThem() {
        FakeNode node = node(FakeNode.start());
        run("--host", node.address(), "put", "k", "one");
        run("--host", node.address(), "put", "k", "two");

        Run get = run("--host", node.address(), "get", "k", "--r", "2");
        assertThat(get.exit()).isZero();
        assertThat(get.outLines()).hasSize(3).startsWith("one", "two");

        Run raw = run("--host", node.address(), "get", "k", "--raw");
        assertThat(raw.exit()).isEqualTo(3);
        assertThat(raw.err()).startsWith("error: SIBLINGS: key has 2 siblings").hasLineCount(1);
        assertThat(raw.stdout()).isEmpty();
    }

    @Test
    void binaryValuesRoundTripThroughStdinAndRaw() {
        FakeNode node = node(FakeNode.start());
        byte[] binary = {0, 1, 2, (byte) 0xff, '\n', 0x7f};

        assertThat(run(binary, "--host", node.address(), "put", "bin", "--file", "-").exit()).isZero();

        Run raw = run("--host", node.address(), "get", "bin", "--raw");
        assertThat(raw.exit()).isZero();
        assertThat(raw.stdout()).isEqualTo(binary);
        assertThat(raw.out()).isEmpty();
        assertThat(run("--host", node.address(), "get", "bin").outLines().get(0)).isEqualTo("0x000102ff0a7f");
    }

    @Test
    void putReadsAFile(@TempDir Path dir) throws IOException {
        FakeNode node = node(FakeNode.start());
        Path file = dir.resolve("value.txt");
        Files.writeString(file, "from a file");

        assertThat(run("--host", node.address(), "put", "f", "--file", file.toString()).exit()).isZero();
        assertThat(run("--host", node.address(), "get", "f").outLines().get(0)).isEqualTo("from a file");

        Run missing = run("--host", node.address(), "put", "f", "--file", dir.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).startsWith("error: IO: cannot read ").endsWith("no such file\n");
    }

    @Test
    void nodeErrorsAreOneLineWithTheirCode() {
        FakeNode node = node(FakeNode.start((request, replier) -> replier.error(ErrorCode.UNAVAILABLE, "2 of 3 replicas down")));

        Run put = run("--host", node.address(), "put", "k", "v");

        assertThat(put.exit()).isEqualTo(3);
        assertThat(put.err()).isEqualTo("error: UNAVAILABLE: 2 of 3 replicas down\n");
        assertThat(put.out()).isEmpty();
    }

    @Test
    void clientTimeoutAndConnectionFailuresAreReported() throws IOException {
        FakeNode silent = node(FakeNode.start((request, replier) -> { }));

        Run slow = run("--host", silent.address(), "--timeout", "200", "get", "k");
        assertThat(slow.exit()).isEqualTo(3);
        assertThat(slow.err()).startsWith("error: CLIENT_TIMEOUT: ").hasLineCount(1);

        Run refused = run("--host", "127.0.0.1:" + deadPort(), "ping");
        assertThat(refused.exit()).isEqualTo(3);
        assertThat(refused.err()).startsWith("error: CONNECTION: ").hasLineCount(1);
    }

    @Test
    void verboseAddsTheStackTrace() throws IOException {
        Run refused = run("--host", "127.0.0.1:" + deadPort(), "ping", "--verbose");

        assertThat(refused.err()).startsWith("error: CONNECTION: ").contains("\tat ");
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        Run noValue = run("put", "k");
        assertThat(noValue.exit()).isEqualTo(2);
        assertThat(noValue.err()).startsWith("error: USAGE: ").hasLineCount(1);

        Run unknown = run("get", "k", "--bogus");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("error: USAGE: ").contains("--bogus").hasLineCount(1);

        Run badContext = run("put", "k", "v", "--context", "%%%");
        assertThat(badContext.exit()).isEqualTo(2);
        assertThat(badContext.err()).startsWith("error: USAGE: --context").hasLineCount(1);

        Run badHost = run("--host", "h:0", "ping");
        assertThat(badHost.exit()).isEqualTo(2);
        assertThat(badHost.err()).startsWith("error: USAGE: ");

        Run nothing = run();
        assertThat(nothing.exit()).isEqualTo(2);
        assertThat(nothing.err()).contains("Usage: murmur");
    }

    @Test
    void helpListsEverySubcommand() {
        Run help = run("--help");

        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("get", "put", "del", "ping", "info", "repair", "bench", "--host", "Exit status");
        assertThat(run("bench", "--help").out()).contains("--ceiling-only", "--read-ratio", "--csv");
    }

    @Test
    void pingAndInfo() {
        FakeNode node = node(FakeNode.start());

        Run ping = run("--host", node.address(), "ping", "--count", "2");
        assertThat(ping.exit()).isZero();
        assertThat(ping.outLines()).hasSize(2).allMatch(l -> l.matches("pong time=\\d+\\.\\d{3} ms"));

        Run info = run("--host", node.address(), "info");
        assertThat(info.exit()).isZero();
        assertThat(info.outLines()).contains("cluster:  fake", "node:     fake-1", "protocol: 1", "members:  1");
        assertThat(info.out()).contains("NODE", "STATUS", "fake-1", "NORMAL", "r1");
    }

    /** A node whose repair goes through {@code statuses}, one per RepairStatus asked, the last one repeated. */
    private FakeNode repairingNode(RepairJob started, RepairJob... statuses) {
        int[] asked = new int[1];
        return node(FakeNode.start((request, replier) -> {
            switch (request.getOpCase()) {
                case REPAIR -> replier.send(Response.newBuilder().setRepair(RepairReply.newBuilder().setJob(started)));
                case REPAIR_STATUS -> {
                    RepairStatusReply.Builder reply = RepairStatusReply.newBuilder();
                    if (statuses.length > 0) {
                        reply.setJob(statuses[Math.min(asked[0]++, statuses.length - 1)]);
                    }
                    replier.send(Response.newBuilder().setRepairStatus(reply));
                }
                default -> replier.error(ErrorCode.INVALID_REQUEST, "unexpected " + request.getOpCase());
            }
        }));
    }

    private static RepairJob.Builder job(int done, int total) {
        return RepairJob.newBuilder().setRunning(done < total).setSessionsDone(done).setSessionsTotal(total)
                .setRanges(48);
    }

    @Test
    void repairWaitsPrintingProgressThenASummary() {
        FakeNode node = repairingNode(job(0, 2).build(),
                job(1, 2).setRangesCompared(32).setRangesDiffering(31).setKeysReceived(6000).setBytes(500_000).build(),
                job(1, 2).setRangesCompared(32).setRangesDiffering(31).setKeysReceived(6000).setBytes(500_000).build(),
                job(2, 2).setRangesCompared(48).setRangesDiffering(47).setKeysSent(2).setKeysReceived(10_000)
                        .setBytes(819_187).setElapsedMillis(2300).build());

        Run repair = run("--host", node.address(), "repair", "--range", "-5:10");

        assertThat(repair.exit()).as(repair.err()).isZero();
        assertThat(repair.outLines()).containsExactly(
                "repair started on " + node.address() + ": 48 ranges, 2 sessions",
                "  sessions 1/2, ranges compared 32, keys exchanged 6000, 488.3 KiB",
                "repair done in 2.3 s: 2 of 2 sessions completed",
                "  ranges compared   48",
                "  ranges differing  47",
                "  keys sent         2",
                "  keys received     10000",
                "  bytes             819187 (800.0 KiB)");
        Request asked = node.allRequests().stream().filter(Request::hasRepair).findFirst().orElseThrow();
        assertThat(asked.getRepair().getHasRange()).isTrue();
        assertThat(asked.getRepair().getStart()).isEqualTo(-5);
        assertThat(asked.getRepair().getEnd()).isEqualTo(10);
    }

    @Test
    void repairExitsThreeWithTheFailureWhenASessionFailed() {
        FakeNode node = repairingNode(job(0, 2).build(), job(2, 2).setSessionsFailed(1)
                .setLastSessionFailure("b: b did not answer within 10000 ms").build());

        Run repair = run("--host", node.address(), "repair");

        assertThat(repair.exit()).isEqualTo(3);
        assertThat(repair.out()).contains("repair done in 0.0 s: 1 of 2 sessions completed, 1 failed");
        assertThat(repair.err()).isEqualTo("error: REPAIR_FAILED: 1 of 2 sessions failed (their ranges were not "
                + "repaired with that peer); last: b: b did not answer within 10000 ms\n");
    }

    @Test
    void repairNoWaitOnlyStartsItAndStatusShowsIt() {
        FakeNode node = repairingNode(job(0, 3).build());

        Run noWait = run("--host", node.address(), "repair", "--no-wait");
        assertThat(noWait.exit()).isZero();
        assertThat(noWait.outLines()).containsExactly("repair started on " + node.address() + ": 48 ranges, 3 sessions");
        assertThat(node.allRequests()).noneMatch(Request::hasRepairStatus);

        Run none = run("--host", node.address(), "repair", "--status");
        assertThat(none.exit()).isZero();
        assertThat(none.outLines()).containsExactly("no repair has run on " + node.address() + " since it started");

        FakeNode running = repairingNode(job(0, 3).build(), job(1, 3).setKeysSent(4).setBytes(100).build());
        Run status = run("--host", running.address(), "repair", "--status");
        assertThat(status.outLines()).containsExactly("repair running on " + running.address()
                + ": sessions 1/3, ranges compared 0, keys exchanged 4, 100 B");
        assertThat(running.allRequests()).noneMatch(Request::hasRepair);
    }

    @Test
    void repairRefusalsAndBadRangesAreOneLineErrors() {
        FakeNode busy = node(FakeNode.start((request, replier) -> replier.error(ErrorCode.RATE_LIMITED,
                "a repair is already running on fake-1 (1/4 sessions done)")));
        Run refused = run("--host", busy.address(), "repair");
        assertThat(refused.exit()).isEqualTo(3);
        assertThat(refused.err()).startsWith("error: RATE_LIMITED: a repair is already running");

        Run bad = run("--host", busy.address(), "repair", "--range", "5");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("error: USAGE: --range must be START:END");
        assertThat(run("--host", busy.address(), "repair", "--range", "1:99999999999999999999").err())
                .contains("must fit in a signed 64-bit integer");
        assertThat(run("--host", busy.address(), "repair", "--status", "--no-wait").exit()).isEqualTo(2);
        assertThat(busy.allRequests()).filteredOn(Request::hasRepair).hasSize(1);
    }

    @Test
    void benchAgainstTheCeilingPrintsThroughput(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("bench.csv");

        Run bench = run("bench", "--ceiling-only", "--duration", "1", "--warmup", "0", "--ops", "get",
                "--seed", "7", "--csv", csv.toString());

        assertThat(bench.exit()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("ops/s", "p50(us)", "p999(us)", "ceiling", "seed=7");
        assertThat(bench.err()).contains("[ceiling 1s/1s]");
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).isEqualTo(BenchCommand.CSV_HEADER);
        assertThat(rows.get(1)).contains(",ceiling,get,1.0,16,1,100,10000,");
    }

    @Test
    void benchComparesNodeWithCeiling() {
        FakeNode node = node(FakeNode.start());

        Run bench = run("--host", node.address(), "bench", "--ceiling", "--duration", "1", "--warmup", "0",
                "--keys", "200", "--concurrency", "4");

        assertThat(bench.exit()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("ceiling", "node", "node/ceiling ops/s: ");
        assertThat(node.allRequests().stream().filter(r -> r.hasPut()).count()).isGreaterThanOrEqualTo(200);
    }

    @Test
    void benchShowsTheCpuOfANodeThatDoesNotReportItAsUnknown(@TempDir Path dir) throws IOException {
        FakeNode node = node(FakeNode.start());
        Path csv = dir.resolve("bench.csv");

        Run bench = run("--host", node.address(), "bench", "--duration", "1", "--warmup", "0", "--keys", "50",
                "--concurrency", "2", "--csv", csv.toString());

        assertThat(bench.exit()).as(bench.err()).isZero();
        String row = bench.out().lines().filter(l -> l.trim().startsWith("node ")).findFirst().orElseThrow();
        assertThat(row.trim().split("\\s+")[7]).as("cpu/op nodes").isEqualTo("-");
        String[] csvRow = Files.readAllLines(csv).get(1).split(",", -1);
        assertThat(Double.parseDouble(csvRow[16])).as("the client's own CPU is known").isPositive();
        assertThat(csvRow[17]).isEmpty();
        assertThat(node.allRequests()).filteredOn(Request::hasClusterInfo).isNotEmpty();
    }

    @Test
    void benchMeasuresEveryTargetEachRoundAndComparesLaterOnesWithTheFirst(@TempDir Path dir) throws IOException {
        FakeNode one = node(FakeNode.start());
        FakeNode other = node(FakeNode.start());
        Path csv = dir.resolve("bench.csv");

        Run bench = run("bench", "--target", "single=" + one.address(), "--target", "pair=" + other.address(),
                "--rounds", "2", "--duration", "1", "--warmup", "0", "--initial-warmup", "1", "--keys", "50",
                "--concurrency", "2", "--csv", csv.toString());

        assertThat(bench.exit()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("round 1:", "round 2:", "pair/single ops/s: ",
                "pair/single ops/s, median of 2 rounds: ");
        assertThat(bench.out()).doesNotContain("ceiling");
        // the first round warms each target for --initial-warmup before measuring, the second does not
        assertThat(bench.err()).contains("[single warmup", "[pair warmup");
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows.subList(1, rows.size())).extracting(r -> r.split(",")[1])
                .containsExactly("single", "pair", "single", "pair");
        assertThat(one.allRequests()).isNotEmpty();
        assertThat(other.allRequests()).isNotEmpty();
    }

    @Test
    void benchRefusesTargetsItCannotName() {
        Run both = run("--host", "127.0.0.1:1", "bench", "--target", "a=127.0.0.1:2");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).startsWith("error: USAGE: --target replaces --host");
        assertThat(run("bench", "--target", "127.0.0.1:2").err()).startsWith("error: USAGE: --target must be LABEL=");
        assertThat(run("bench", "--target", "a=").err()).startsWith("error: USAGE: --target must be LABEL=");
        assertThat(run("bench", "--target", "a/b=127.0.0.1:2").exit()).isEqualTo(2);
        assertThat(run("bench", "--target", "a=127.0.0.1:2", "--target", "a=127.0.0.1:3").err())
                .startsWith("error: USAGE: --target labels must differ");
        assertThat(run("bench", "--target", "ceiling=127.0.0.1:2").exit()).isEqualTo(2);
        assertThat(run("bench", "--initial-warmup", "-1").err()).startsWith("error: USAGE: --duration must be");
    }

    @Test
    void benchFailsWhenNothingSucceeds() throws IOException {
        Run bench = run("--host", "127.0.0.1:" + deadPort(), "bench", "--duration", "1", "--warmup", "0",
                "--ops", "put");

        assertThat(bench.exit()).isEqualTo(3);
        assertThat(bench.err()).contains("error: BENCH: no operation succeeded against node (errors: CONNECTION=");
    }

    @Test
    void benchRejectsBadOptions() {
        assertThat(run("bench", "--ops", "scan").exit()).isEqualTo(2);
        assertThat(run("bench", "--read-ratio", "1.5").err()).startsWith("error: USAGE: --read-ratio");
    }

    /** A node that answers every get with one value and, when asked to be verbose, three replicas' answers. */
    private FakeNode verboseReader(List<Request> gets) {
        return node(FakeNode.start((request, replier) -> {
            gets.add(request);
            GetReply.Builder reply = GetReply.newBuilder()
                    .addSiblings(io.murmur.proto.client.Sibling.newBuilder().setValue(ByteString.copyFromUtf8("hello")))
                    .setContext(ByteString.copyFromUtf8("ctx"));
            if (request.getGet().getVerbose()) {
                reply.setCoordinator("n1")
                        .addReplicas(ReplicaAnswer.newBuilder().setNodeId("n1").setOutcome("ok")
                                .addVersions(VersionSummary.newBuilder().setDot("n1:7").setValueBytes(5)
                                        .setWrittenAtMillis(1_000))
                                .addVersions(VersionSummary.newBuilder().setDot("n2:3").setTombstone(true)
                                        .setWrittenAtMillis(2_000)))
                        .addReplicas(ReplicaAnswer.newBuilder().setNodeId("n2").setOutcome("ok"))
                        .addReplicas(ReplicaAnswer.newBuilder().setNodeId("n3").setOutcome("no answer"));
            }
            replier.send(Response.newBuilder().setGet(reply));
        }));
    }

    @Test
    void verboseGetPrintsTheCoordinatorAndEachReplicasVersions() {
        List<Request> gets = new CopyOnWriteArrayList<>();
        FakeNode node = verboseReader(gets);

        Run verbose = run("--host", node.address(), "get", "k", "--verbose");

        assertThat(verbose.exit()).as(verbose.err()).isZero();
        assertThat(gets.get(0).getGet().getVerbose()).isTrue();
        assertThat(verbose.outLines()).containsExactly(
                "hello",
                "coordinator: n1",
                "replica n1: ok; n1:7 value 5 bytes written 1970-01-01T00:00:01Z; n2:3 tombstone written 1970-01-01T00:00:02Z",
                "replica n2: ok; no versions",
                "replica n3: no answer",
                "context=Y3R4");

        Run plain = run("--host", node.address(), "get", "k");
        assertThat(gets.get(1).getGet().getVerbose()).isFalse();
        assertThat(plain.outLines()).containsExactly("hello", "context=Y3R4");
    }

    @Test
    void verboseRawGetPrintsTheReplicasOnStderr() {
        FakeNode node = verboseReader(new CopyOnWriteArrayList<>());

        Run raw = run("--host", node.address(), "get", "k", "--raw", "--verbose");

        assertThat(raw.exit()).isZero();
        assertThat(raw.stdout()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(raw.err()).startsWith("coordinator: n1\nreplica n1: ok; n1:7 value 5 bytes").contains("replica n3: no answer");
    }

    @Test
    void verboseGetAgainstANodeThatReportsNothingSaysSo() {
        FakeNode node = node(FakeNode.start());
        run("--host", node.address(), "put", "k", "v");

        Run get = run("--host", node.address(), "get", "k", "--verbose");

        assertThat(get.outLines()).hasSize(3).startsWith("v", "coordinator: (not reported)");
    }

    @Test
    void statusShowsTheHintsHeldForEachMember() {
        FakeNode node = node(FakeNode.start((request, replier) -> replier.send(Response.newBuilder()
                .setClusterInfo(ClusterInfo.newBuilder().setClusterName("c").setNodeId("n1")
                        .addMembers(Member.newBuilder().setNodeId("n1").setHost("127.0.0.1").setClientPort(7070)
                                .setStatus("NORMAL").setLiveness("ALIVE").setVnodes(8).setWeight(1))
                        .addMembers(Member.newBuilder().setNodeId("n2").setHost("127.0.0.1").setClientPort(7080)
                                .setStatus("NORMAL").setLiveness("DOWN").setVnodes(8).setWeight(1)
                                .setHintsPending(3).setHintBytes(1536))))));

        Run status = run("--host", node.address(), "status");

        assertThat(status.exit()).as(status.err()).isZero();
        String header = status.outLines().get(1);
        assertThat(header).endsWith("HINTS");
        int column = header.indexOf("HINTS");
        String n1 = status.outLines().stream().filter(l -> l.contains("n1 *")).findFirst().orElseThrow();
        String n2 = status.outLines().stream().filter(l -> l.contains("n2")).findFirst().orElseThrow();
        assertThat(n1.substring(column)).isEqualTo("0");
        assertThat(n2.substring(column)).isEqualTo("3 (1.5 KiB)");
    }

    @Test
    void valuesDisplayAsTextOrHex() {
        assertThat(Values.display("héllo\tworld".getBytes(StandardCharsets.UTF_8))).isEqualTo("héllo\tworld");
        assertThat(Values.display(new byte[] {(byte) 0xc3})).isEqualTo("0xc3");
        assertThat(Values.display(new byte[] {'a', 0})).isEqualTo("0x6100");
        assertThat(Values.display(new byte[0])).isEqualTo("(empty)");
    }

    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
