package io.murmur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.murmur.server.NodeAssembly;
import io.murmur.testing.TestNodes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code murmur} commands against a real node on an ephemeral port. */
class CliAgainstNodeTest {
    @TempDir
    Path dir;
    NodeAssembly node;
    String host;

    record Run(int exit, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }

        String context() {
            for (String line : lines()) {
                int at = line.indexOf("context=");
                if (at >= 0) {
                    return line.substring(at + "context=".length());
                }
            }
            throw new AssertionError("no context in: " + out);
        }
    }

    @BeforeEach
    void start() throws Exception {
        node = TestNodes.start(dir, Map.of("node.id", "cli-node", "node.vnodes", 32));
        host = "127.0.0.1:" + node.clientAddress().getPort();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Murmur.commandLine(new Murmur(new ByteArrayInputStream(new byte[0]),
                new ByteArrayOutputStream()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 2];
        all[0] = "--host";
        all[1] = host;
        System.arraycopy(args, 0, all, 2, args.length);
        int exit = cl.execute(all);
        return new Run(exit, out.toString().replace("\r\n", "\n"), err.toString());
    }

    @Test
    void aSessionOfPutGetSiblingsMergeAndDelete() {
        Run put = run("put", "greeting", "hello");
        assertThat(put.exit()).isZero();
        Run get = run("get", "greeting");
        assertThat(get.lines()).first().isEqualTo("hello");

        String seen = get.context();
        assertThat(run("put", "greeting", "hola", "--context", seen).exit()).isZero();
        assertThat(run("put", "greeting", "bonjour", "--context", seen).exit()).isZero();
        Run both = run("get", "greeting");
        assertThat(both.lines()).contains("hola", "bonjour");

        assertThat(run("put", "greeting", "hello, all", "--context", both.context()).exit()).isZero();
        Run merged = run("get", "greeting");
        assertThat(merged.lines()).first().isEqualTo("hello, all");

        assertThat(run("del", "greeting", "--context", merged.context()).exit()).isZero();
        Run gone = run("get", "greeting");
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.out()).contains("(not found)");
    }

    @Test
    void vnodesShowsAndChangesTheNodesVnodeCount() {
        Run show = run("vnodes");
        assertThat(show.exit()).isZero();
        assertThat(show.out()).contains("cli-node: 32 vnodes");

        Run change = run("vnodes", "8");
        assertThat(change.exit()).as(change.err()).isZero();
        assertThat(change.out()).contains("vnodes 32 -> 8");

        assertThat(run("info").out()).contains("VNODES").contains(" 8 ");
        Run refused = run("vnodes", "0");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).startsWith("error: INVALID_REQUEST");
    }

    @Test
    void statusListsTheNodeWithItsLivenessGenerationAndShare() {
        Run status = run("status");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).contains("seen from cli-node").contains("ring fingerprint");
        String row = status.out().lines().filter(l -> l.contains("cli-node *")).findFirst().orElseThrow();
        assertThat(row).contains("NORMAL").contains("ALIVE").contains("32").contains("100.0%")
                .contains(Long.toString(node.generation()));
    }

    @Test
    void repairOnANodeAloneHasNoSessionsAndInfoShowsTheCounters() {
        Run repair = run("repair");
        assertThat(repair.exit()).as(repair.err()).isZero();
        assertThat(repair.lines()).first().isEqualTo("repair started on " + host + ": 32 ranges, 0 sessions");
        assertThat(repair.out()).contains("repair done in").contains("0 of 0 sessions completed")
                .contains("ranges compared   0").contains("keys received     0");

        Run status = run("repair", "--status");
        assertThat(status.out()).contains("repair done in");
        assertThat(run("info").out()).contains("repair:   trees 32, tree builds 1 (last ");
    }

    @Test
    void infoShowsTheCpuTimeTheNodesProcessHasUsed() {
        String line = run("info").lines().stream().filter(l -> l.startsWith("cpu:")).findFirst().orElseThrow();
        assertThat(line).matches("cpu: +\\d+\\.\\d s since the node started");
        // the node runs in this JVM, which has been compiling and serving for a while
        assertThat(Double.parseDouble(line.replaceAll("[^0-9.]", ""))).isPositive();
    }

    @Test
    void leaveAnnouncesLeftAndTheNodeSaysSo() throws Exception {
        Run leave = run("leave");
        assertThat(leave.exit()).as(leave.err()).isZero();
        assertThat(leave.out()).contains("left the cluster");
        assertThat(node.whenLeft()).isDone();
        assertThat(node.membership().member("cli-node").orElseThrow().status().name()).isEqualTo("LEFT");
    }

    @Test
    void benchMeasuresTheCeilingAndTheNodeInOneRun() {
        Run bench = run("bench", "--ceiling", "--ops", "mixed", "--duration", "1", "--warmup", "0",
                "--keys", "200", "--seed", "3");
        assertThat(bench.exit()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("ceiling").contains("node").contains("node/ceiling ops/s:");
    }

    @Test
    void benchSaysWhatAnOperationCostsTheClientAndTheNodeInCpu() throws IOException {
        Path csv = dir.resolve("cpu.csv");
        Run bench = run("bench", "--ceiling", "--ops", "mixed", "--duration", "1", "--warmup", "0",
                "--keys", "200", "--seed", "3", "--csv", csv.toString());
        assertThat(bench.exit()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("cpu/op client(us)", "cpu/op nodes(us)");

        List<String> rows = Files.readAllLines(csv);
        assertThat(rows.get(0)).endsWith(",client_cpu_us_per_op,node_cpu_us_per_op");
        String[] ceiling = rows.get(1).split(",", -1);
        String[] node = rows.get(2).split(",", -1);
        assertThat(ceiling[1]).isEqualTo("ceiling");
        assertThat(Double.parseDouble(ceiling[16])).as("the load generator's own CPU").isPositive();
        assertThat(ceiling[17]).as("the ceiling server runs in process: no node to read").isEmpty();
        assertThat(node[1]).isEqualTo("node");
        assertThat(Double.parseDouble(node[16])).isPositive();
        // this node runs inside the test's JVM, so it reports the same process: at least the client's CPU
        assertThat(Double.parseDouble(node[17])).as("the node's reported CPU per op").isPositive()
                .isGreaterThanOrEqualTo(Double.parseDouble(node[16]) * 0.8);
    }
}
