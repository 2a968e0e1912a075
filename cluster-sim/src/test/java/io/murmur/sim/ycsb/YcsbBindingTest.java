package io.murmur.sim.ycsb;

import io.murmur.client.GetResult;
import io.murmur.client.MurmurClient;
import io.murmur.server.NodeAssembly;
import io.murmur.testing.TestNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import site.ycsb.ByteIterator;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The binding's operations and status codes against one in-process node. */
class YcsbBindingTest {
    @TempDir
    Path dir;

    private NodeAssembly node;
    private final List<MurmurYcsbClient> bindings = new ArrayList<>();
    private MurmurClient raw;

    @BeforeEach
    void startNode() throws Exception {
        node = TestNodes.start(dir.resolve("node"));
        raw = MurmurClient.builder().hosts(address()).build();
    }

    @AfterEach
    void stop() throws Exception {
        for (MurmurYcsbClient b : bindings) {
            b.cleanup();
        }
        raw.close();
        node.close();
        assertThat(MurmurYcsbClient.sharedClientOpen()).as("the shared client is closed by the last cleanup").isFalse();
    }

    private String address() {
        return "127.0.0.1:" + node.clientAddress().getPort();
    }

    private MurmurYcsbClient binding(String... properties) throws DBException {
        Properties p = new Properties();
        p.setProperty("hosts", address());
        for (int i = 0; i < properties.length; i += 2) {
            p.setProperty(properties[i], properties[i + 1]);
        }
        MurmurYcsbClient b = new MurmurYcsbClient();
        b.setProperties(p);
        b.init();
        bindings.add(b);
        return b;
    }

    private static Map<String, ByteIterator> fields(String... nameValue) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put(nameValue[i], nameValue[i + 1]);
        }
        return StringByteIterator.getByteIteratorMap(m);
    }

    private static Map<String, String> strings(Map<String, ByteIterator> result) {
        Map<String, String> m = new HashMap<>();
        result.forEach((k, v) -> m.put(k, new String(v.toArray(), StandardCharsets.UTF_8)));
        return m;
    }

    @Test
    void insertReadUpdateDeleteMapToOurOperationsAndStatuses() throws Exception {
        MurmurYcsbClient db = binding();
        assertThat(db.insert("usertable", "user1", fields("field0", "a", "field1", "b", "field2", "c")))
                .isEqualTo(Status.OK);

        Map<String, ByteIterator> all = new HashMap<>();
        assertThat(db.read("usertable", "user1", null, all)).isEqualTo(Status.OK);
        assertThat(strings(all)).isEqualTo(Map.of("field0", "a", "field1", "b", "field2", "c"));

        Map<String, ByteIterator> some = new HashMap<>();
        assertThat(db.read("usertable", "user1", Set.of("field1", "field9"), some)).isEqualTo(Status.OK);
        assertThat(strings(some)).isEqualTo(Map.of("field1", "b"));

        // an update changes the fields it names and keeps the others, without making a sibling
        assertThat(db.update("usertable", "user1", fields("field1", "B"))).isEqualTo(Status.OK);
        Map<String, ByteIterator> updated = new HashMap<>();
        assertThat(db.read("usertable", "user1", null, updated)).isEqualTo(Status.OK);
        assertThat(strings(updated)).isEqualTo(Map.of("field0", "a", "field1", "B", "field2", "c"));
        assertThat(raw.blocking().get("user1").siblings()).hasSize(1);

        assertThat(db.delete("usertable", "user1")).isEqualTo(Status.OK);
        assertThat(db.read("usertable", "user1", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
        assertThat(db.delete("usertable", "user1")).isEqualTo(Status.NOT_FOUND);
        assertThat(db.read("usertable", "nobody", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);

        // an update of a key that holds nothing (here: a tombstone) writes the record
        assertThat(db.update("usertable", "user1", fields("field3", "d"))).isEqualTo(Status.OK);
        Map<String, ByteIterator> again = new HashMap<>();
        assertThat(db.read("usertable", "user1", null, again)).isEqualTo(Status.OK);
        assertThat(strings(again)).isEqualTo(Map.of("field3", "d"));
        assertThat(raw.blocking().get("user1").siblings()).hasSize(1);

        Vector<HashMap<String, ByteIterator>> scanned = new Vector<>();
        assertThat(db.scan("usertable", "user1", 10, null, scanned)).isEqualTo(Status.NOT_IMPLEMENTED);
        assertThat(scanned).isEmpty();
    }

    @Test
    void siblingsAreReadMergedAndAnUpdateReplacesThemWithOneVersion() throws Exception {
        // two writers that did not see each other: two siblings
        raw.blocking().put("user2".getBytes(StandardCharsets.UTF_8),
                FieldCodec.encode(Map.of("field0", "x0".getBytes(StandardCharsets.UTF_8),
                        "field1", "x1".getBytes(StandardCharsets.UTF_8))));
        raw.blocking().put("user2".getBytes(StandardCharsets.UTF_8),
                FieldCodec.encode(Map.of("field2", "y2".getBytes(StandardCharsets.UTF_8))));
        assertThat(raw.blocking().get("user2").siblings()).hasSize(2);

        MurmurYcsbClient db = binding();
        Map<String, ByteIterator> merged = new HashMap<>();
        assertThat(db.read("usertable", "user2", null, merged)).isEqualTo(Status.OK);
        assertThat(strings(merged)).isEqualTo(Map.of("field0", "x0", "field1", "x1", "field2", "y2"));

        assertThat(db.update("usertable", "user2", fields("field1", "z1"))).isEqualTo(Status.OK);
        GetResult after = raw.blocking().get("user2");
        assertThat(after.siblings()).hasSize(1);
        Map<String, byte[]> record = FieldCodec.decode(after.values().get(0));
        assertThat(new String(record.get("field0"), StandardCharsets.UTF_8)).isEqualTo("x0");
        assertThat(new String(record.get("field1"), StandardCharsets.UTF_8)).isEqualTo("z1");
        assertThat(new String(record.get("field2"), StandardCharsets.UTF_8)).isEqualTo("y2");
    }

    @Test
    void failuresAreErrors() throws Exception {
        // w over the replication factor: the node refuses the write (INVALID_REQUEST)
        MurmurYcsbClient db = binding("murmur.write_w", "4", "murmur.update_r", "1");
        assertThat(db.insert("usertable", "user3", fields("field0", "a"))).isEqualTo(Status.ERROR);
        assertThat(db.update("usertable", "user3", fields("field0", "a"))).isEqualTo(Status.ERROR);
        assertThat(db.read("usertable", "user3", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);

        // a value that is not a record of ours
        raw.blocking().put("user4", "not a record");
        assertThat(db.read("usertable", "user4", null, new HashMap<>())).isEqualTo(Status.ERROR);

        MurmurYcsbClient strict = binding("murmur.read_r", "4");
        assertThat(strict.read("usertable", "user4", null, new HashMap<>())).isEqualTo(Status.ERROR);
    }

    @Test
    void failuresAreCountedByKind() {
        assertThat(MurmurYcsbClient.statusOf(new io.murmur.client.UnavailableException("2 of 3 down")))
                .isEqualTo(Status.SERVICE_UNAVAILABLE);
        assertThat(MurmurYcsbClient.statusOf(new io.murmur.client.TimeoutException("1 ack", 1)))
                .isEqualTo(MurmurYcsbClient.TIMEOUT);
        assertThat(MurmurYcsbClient.statusOf(new io.murmur.client.RequestTimeoutException("no answer")))
                .isEqualTo(MurmurYcsbClient.CLIENT_TIMEOUT);
        assertThat(MurmurYcsbClient.statusOf(new java.util.concurrent.CompletionException(
                new io.murmur.client.ConnectionException("closed")))).isEqualTo(MurmurYcsbClient.CONNECTION_LOST);
        assertThat(MurmurYcsbClient.statusOf(new IllegalArgumentException("not a record"))).isEqualTo(Status.ERROR);
    }

    @Test
    void threadsShareOneClientThatTheLastCleanupCloses() throws Exception {
        MurmurYcsbClient a = binding();
        MurmurYcsbClient b = binding();
        assertThat(MurmurYcsbClient.sharedClientOpen()).isTrue();
        a.cleanup();
        a.cleanup(); // twice: counted once
        assertThat(MurmurYcsbClient.sharedClientOpen()).isTrue();
        assertThat(b.insert("usertable", "user5", fields("field0", "a"))).isEqualTo(Status.OK);
        b.cleanup();
        assertThat(MurmurYcsbClient.sharedClientOpen()).isFalse();
    }

    @Test
    void badPropertiesAndAnUnreachableClusterFailInit() throws Exception {
        assertThatThrownBy(() -> binding("murmur.read_r", "zero")).isInstanceOf(DBException.class)
                .hasMessage("murmur.read_r must be a positive integer, not 'zero'");
        assertThatThrownBy(() -> binding("murmur.smart_routing", "maybe")).isInstanceOf(DBException.class)
                .hasMessage("murmur.smart_routing must be true or false, not 'maybe'");
        assertThatThrownBy(() -> binding("hosts", " , ")).isInstanceOf(DBException.class)
                .hasMessageContaining("murmur.hosts is empty");
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        assertThatThrownBy(() -> binding("murmur.hosts", "127.0.0.1:" + closed, "murmur.timeout_ms", "2000"))
                .isInstanceOf(DBException.class)
                .hasMessageContaining("cannot reach a Murmur node at 127.0.0.1:" + closed);
        assertThat(MurmurYcsbClient.sharedClientOpen()).isFalse();
    }
}
