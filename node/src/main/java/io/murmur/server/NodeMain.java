package io.murmur.server;

import io.murmur.runtime.StorageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * Starts one node: {@code bin/start-node.sh} runs this. Flags override the config file;
 * {@code --set KEY=VALUE} overrides any key. Stops gracefully on SIGTERM or Ctrl-C.
 */
@Command(name = "start-node", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Starts a Murmur node.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly", "1:failed while running or starting", "2:invalid configuration or flags"})
public final class NodeMain implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "PATH", description = "Config file (default: ${DEFAULT-VALUE}).",
            defaultValue = "conf/node.yaml")
    Path config;

    @Option(names = "--node-id", paramLabel = "ID", description = "Sets node.id.")
    String nodeId;

    @Option(names = "--listen", paramLabel = "HOST", description = "Sets network.listen: the address to bind.")
    String listen;

    @Option(names = "--advertise", paramLabel = "HOST",
            description = "Sets network.advertise: the address peers and clients are told.")
    String advertise;

    @Option(names = "--client-port", paramLabel = "PORT", description = "Sets network.client_port.")
    Integer clientPort;

    @Option(names = "--peer-port", paramLabel = "PORT", description = "Sets network.peer_port.")
    Integer peerPort;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Sets storage.data_dir.")
    String dataDir;

    @Option(names = "--seeds", paramLabel = "HOST:PORT,...", description = "Sets network.seeds.")
    String seeds;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Sets any config key; repeatable.")
    List<String> sets = List.of();

    @Option(names = "--check", description = "Validate the configuration, print the data dir, and exit.")
    boolean check;

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new NodeMain());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + e.getMessage());
            return e instanceof ConfigException ? 2 : 1;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        NodeConfig cfg = NodeConfig.load(config, overrides());
        if (check) {
            System.out.println(cfg.dataDir.toAbsolutePath().normalize());
            return 0;
        }
        NodeAssembly node;
        try {
            node = NodeAssembly.start(cfg);
        } catch (StorageException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "murmur-shutdown"));
        System.out.printf("murmur node %s (cluster %s) listening for clients on %s, for peers on %s (%s); "
                        + "data in %s%n",
                node.nodeId(), cfg.clusterName, node.clientAddress().getHostString() + ":"
                        + node.clientAddress().getPort(), node.peerAddress().getHostString() + ":"
                        + node.peerAddress().getPort(), node.transportName(),
                cfg.dataDir.toAbsolutePath().normalize());
        System.out.flush();
        node.whenLeft().thenRun(() -> {
            System.out.printf("murmur node %s left the cluster; stopping%n", node.nodeId());
            System.out.flush();
            node.close();
            stopped.countDown();
        });
        stopped.await();
        return 0;
    }

    private List<NodeConfig.Override> overrides() {
        List<NodeConfig.Override> o = new ArrayList<>();
        add(o, "node.id", nodeId, "--node-id");
        add(o, "network.listen", listen, "--listen");
        add(o, "network.advertise", advertise, "--advertise");
        add(o, "network.client_port", clientPort, "--client-port");
        add(o, "network.peer_port", peerPort, "--peer-port");
        add(o, "storage.data_dir", dataDir, "--data-dir");
        add(o, "network.seeds", seeds, "--seeds");
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set " + set + ": expected KEY=VALUE");
            }
            String key = set.substring(0, eq).trim();
            o.add(NodeConfig.Override.parsed(key, set.substring(eq + 1), "--set " + key));
        }
        return o;
    }

    private static void add(List<NodeConfig.Override> o, String key, Object value, String flag) {
        if (value != null) {
            o.add(NodeConfig.Override.of(key, value, flag));
        }
    }
}
