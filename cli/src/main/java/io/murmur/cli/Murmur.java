package io.murmur.cli;

import io.murmur.client.ConnectionException;
import io.murmur.client.MurmurClient;
import io.murmur.client.MurmurException;
import io.murmur.client.ProtocolException;
import io.murmur.client.RequestTimeoutException;
import io.murmur.proto.client.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code murmur} command: global connection options and the subcommands.
 *
 * <p>Design note: exit statuses are part of the interface (scripts test "not found"
 * without parsing output), and errors are exactly one line so they survive pipes and
 * logs; {@code --verbose} adds the stack trace when a human needs it.
 */
@Command(name = "murmur",
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = Murmur.Version.class,
        description = "Command line client for a Murmur cluster.",
        subcommands = {
            GetCommand.class, PutCommand.class, DelCommand.class, PingCommand.class, InfoCommand.class,
            VnodesCommand.class, StatusCommand.class, LeaveCommand.class, RepairCommand.class, BenchCommand.class,
            CommandLine.HelpCommand.class
        },
        footerHeading = "%nExit status:%n",
        footer = {
            "  0  success",
            "  1  get: key not found (never written, or deleted)",
            "  2  usage error",
            "  3  the operation failed; one line 'error: CODE: message' on stderr"
        })
public final class Murmur implements Callable<Integer> {
    static final int EXIT_OK = 0;
    static final int EXIT_NOT_FOUND = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_FAILED = 3;

    static final String DEFAULT_HOST = "127.0.0.1:7070";
    static final long DEFAULT_TIMEOUT_MILLIS = 5000;

    @Option(names = "--host", split = ",", paramLabel = "HOST:PORT", scope = ScopeType.INHERIT,
            description = "Node to talk to; repeatable or comma-separated, used round-robin "
                    + "(default: " + DEFAULT_HOST + "). bench learns the cluster from these and sends "
                    + "each key to a replica.")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "MS", scope = ScopeType.INHERIT,
            description = "Per-request timeout in milliseconds (default: " + DEFAULT_TIMEOUT_MILLIS + ").")
    Long timeoutMillis;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces with errors; get also prints the coordinator and what each replica answered.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    private final InputStream stdin;
    private final OutputStream stdout;

    public Murmur() {
        this(System.in, System.out);
    }

    /** With explicit binary streams, for {@code put --file -} and {@code get --raw}. */
    public Murmur(InputStream stdin, OutputStream stdout) {
        this.stdin = stdin;
        this.stdout = stdout;
    }

    public static void main(String[] args) {
        System.exit(commandLine(new Murmur()).execute(args));
    }

    /** A command line with one-line error reporting for usage errors too. */
    public static CommandLine commandLine(Murmur murmur) {
        CommandLine cl = new CommandLine(murmur);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            failed.getErr().println("error: USAGE: " + oneLine(ex.getMessage())
                    + " (see '" + failed.getCommandSpec().qualifiedName() + " --help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, failed, parseResult) ->
                murmur.report(failed.getErr(), ex));
        return cl;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    InputStream stdin() {
        return stdin;
    }

    OutputStream stdout() {
        return stdout;
    }

    Duration requestTimeout() {
        long millis = timeoutMillis == null ? DEFAULT_TIMEOUT_MILLIS : timeoutMillis;
        if (millis <= 0) {
            throw new CliFailure("USAGE", "--timeout must be positive: " + millis, EXIT_USAGE);
        }
        return Duration.ofMillis(millis);
    }

    List<String> hostList() {
        return hosts.isEmpty() ? List.of(DEFAULT_HOST) : hosts;
    }

    /**
     * A client for the configured hosts and timeout that talks to those hosts only. A
     * one-shot command gains nothing from learning the cluster (its request would go out
     * before the members arrive), and the node named with --host is the one that answers.
     */
    MurmurClient connect(int connectionsPerHost) {
        return connect(hostList(), connectionsPerHost, false);
    }

    /**
     * A client for {@code hosts} with the configured timeout; with {@code smartRouting},
     * one that learns the cluster from them and sends each key to a replica, as an
     * application's client does.
     */
    MurmurClient connect(List<String> hosts, int connectionsPerHost, boolean smartRouting) {
        Duration timeout = requestTimeout();
        Duration connectTimeout = timeout.compareTo(Duration.ofSeconds(2)) < 0 ? timeout : Duration.ofSeconds(2);
        try {
            return MurmurClient.builder()
                    .hosts(hosts)
                    .requestTimeout(timeout)
                    .connectTimeout(connectTimeout)
                    .connectionsPerHost(connectionsPerHost)
                    .smartRouting(smartRouting)
                    .clientName("murmur-cli")
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CliFailure("USAGE", e.getMessage(), EXIT_USAGE);
        }
    }

    /** Prints the one-line error for {@code failure} and returns the exit status. */
    int report(PrintWriter err, Throwable failure) {
        Throwable e = unwrap(failure);
        int exit = EXIT_FAILED;
        if (e instanceof CliFailure) {
            exit = ((CliFailure) e).exitStatus();
        } else if (e instanceof IllegalArgumentException) {
            exit = EXIT_USAGE;
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        err.println("error: " + errorCode(e) + ": " + oneLine(message));
        if (verbose) {
            failure.printStackTrace(err);
        }
        err.flush();
        return exit;
    }

    /** The short name a failure is reported under: the node's code, or the client's kind of failure. */
    static String errorCode(Throwable failure) {
        Throwable e = unwrap(failure);
        if (e instanceof CliFailure) {
            return ((CliFailure) e).code();
        } else if (e instanceof RequestTimeoutException) {
            return "CLIENT_TIMEOUT";
        } else if (e instanceof ConnectionException) {
            return "CONNECTION";
        } else if (e instanceof ProtocolException) {
            return "PROTOCOL";
        } else if (e instanceof MurmurException) {
            ErrorCode c = ((MurmurException) e).code();
            return c == ErrorCode.ERROR_CODE_UNSPECIFIED ? "ERROR" : c.name();
        } else if (e instanceof IOException) {
            return "IO";
        } else if (e instanceof IllegalArgumentException) {
            return "USAGE";
        }
        return "CLIENT";
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof UncheckedIOException || e instanceof CompletionException
                || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    /** The version from the jar manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Murmur.class.getPackage().getImplementationVersion();
            return new String[] {"murmur " + (v == null ? "dev" : v)
                    + " (client protocol " + MurmurClient.PROTOCOL_VERSION + ")"};
        }
    }
}
