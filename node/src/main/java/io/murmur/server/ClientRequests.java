package io.murmur.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.murmur.antientropy.AntiEntropy;
import io.murmur.proto.client.AntiEntropyStats;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.Repair;
import io.murmur.proto.client.RepairJob;
import io.murmur.proto.client.RepairReply;
import io.murmur.proto.client.RepairStatusReply;
import io.murmur.ring.TokenRange;
import io.murmur.proto.client.Delete;
import io.murmur.proto.client.DeleteReply;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.Get;
import io.murmur.proto.client.GetReply;
import io.murmur.proto.client.HelloReply;
import io.murmur.proto.client.Member;
import io.murmur.proto.client.Pong;
import io.murmur.proto.client.Put;
import io.murmur.proto.client.PutReply;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.murmur.proto.client.Sibling;
import io.murmur.proto.client.SetVnodesReply;
import io.murmur.proto.client.LeaveReply;
import io.murmur.membership.MemberInfo;
import io.murmur.membership.MembershipView;
import io.murmur.proto.client.ReplicaAnswer;
import io.murmur.proto.client.VersionSummary;
import io.murmur.replication.Outcomes;
import io.murmur.replication.Replication;
import io.murmur.runtime.HintStore;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import io.murmur.runtime.StorageException;
import io.murmur.storage.RecordCodec;
import io.murmur.transport.Errors;
import io.murmur.transport.Reply;
import io.murmur.transport.RequestDispatcher;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The client protocol's meaning: validates each request, runs it against the coordinator
 * and builds the reply.
 *
 * <p>Design note. Validation happens on the event loop and costs no I/O, so a bad
 * request is refused before it touches storage and changes nothing. A read that the
 * record cache can answer is coordinated right there too (no thread hop, no disk), and so
 * is a write whose record the store knows from memory and takes without waiting
 * ({@link io.murmur.runtime.Storage#tryUpdateDeferred}); its reply follows the
 * fsync, on the thread that made it. Every other read and write runs on the request
 * executor, never on an event loop, so a slow disk or an fsync delays only the requests
 * that wait for it. Two kinds of refusal: a request that breaks
 * the protocol (no operation, no key, an undecodable context, a wrong protocol version)
 * gets INVALID_REQUEST and its connection is closed, since the client and node no longer
 * agree on what they are saying; a well-formed request over a limit gets TOO_LARGE and
 * the connection stays open.
 */
public final class ClientRequests implements RequestDispatcher {
    /** The protocol version this node speaks. */
    public static final int PROTOCOL_VERSION = 1;

    private static final Logger log = LoggerFactory.getLogger(ClientRequests.class);

    /** Who this node is, for Hello and ClusterInfo. */
    public record Identity(String clusterName, String nodeId, String host, int clientPort, int peerPort,
                           String rack) {
    }

    private final Identity identity;
    private final LocalRing ring;
    private final GossipService gossip;
    private final Replication replication;
    /** Null when anti-entropy is off on this node. */
    private final AntiEntropyService antiEntropy;
    private final Executor requestExecutor;
    private final int maxKeyBytes;
    private final int maxValueBytes;
    private final int replicationFactor;

    ClientRequests(Identity identity, LocalRing ring, GossipService gossip, Replication replication,
                   AntiEntropyService antiEntropy, Executor requestExecutor, int maxKeyBytes, int maxValueBytes) {
        this.identity = identity;
        this.ring = ring;
        this.gossip = gossip;
        this.replication = replication;
        this.antiEntropy = antiEntropy;
        this.requestExecutor = requestExecutor;
        this.maxKeyBytes = maxKeyBytes;
        this.maxValueBytes = maxValueBytes;
        this.replicationFactor = replication.settings().n();
    }

    @Override
    public CompletionStage<Reply> dispatch(Request request) {
        long id = request.getRequestId();
        return switch (request.getOpCase()) {
            case HELLO -> done(hello(request));
            case PING -> done(Reply.of(Response.newBuilder().setRequestId(id)
                    .setPong(Pong.newBuilder().setPayload(request.getPing().getPayload())).build()));
            case CLUSTER_INFO -> gossip.view().thenApply(view -> Reply.of(Response.newBuilder().setRequestId(id)
                    .setClusterInfo(clusterInfo(view)).build()));
            case LEAVE -> {
                log.info("asked to leave the cluster");
                yield gossip.leave().thenApply(v -> Reply.of(Response.newBuilder().setRequestId(id)
                        .setLeave(LeaveReply.getDefaultInstance()).build()));
            }
            case GET -> get(id, request.getGet());
            case PUT -> put(id, request.getPut());
            case DELETE -> delete(id, request.getDelete());
            case SET_VNODES -> setVnodes(id, request.getSetVnodes().getVnodes());
            case REPAIR -> repair(id, request.getRepair());
            case REPAIR_STATUS -> done(Reply.of(Response.newBuilder().setRequestId(id)
                    .setRepairStatus(repairStatus()).build()));
            case OP_NOT_SET -> done(protocolError(id, "request has no operation (or one this node does not know)"));
        };
    }

    private Reply hello(Request request) {
        int version = request.getHello().getProtocolVersion();
        if (version != PROTOCOL_VERSION) {
            return protocolError(request.getRequestId(),
                    "protocol version " + version + " is not supported; this node speaks " + PROTOCOL_VERSION);
        }
        return Reply.of(Response.newBuilder().setRequestId(request.getRequestId())
                .setHello(HelloReply.newBuilder()
                        .setProtocolVersion(PROTOCOL_VERSION)
                        .setNodeId(identity.nodeId())
                        .setClusterName(identity.clusterName()))
                .build());
    }

    private ClusterInfo clusterInfo(MembershipView view) {
        RingSnapshot snapshot = ring.current();
        ClusterInfo.Builder info = ClusterInfo.newBuilder()
                .setClusterName(identity.clusterName())
                .setNodeId(identity.nodeId())
                .setProtocolVersion(PROTOCOL_VERSION)
                .setRingEpoch(snapshot.epoch())
                .setRingFingerprint(view.ringFingerprint())
                .setReplicationFactor(replicationFactor)
                .setAntiEntropy(antiEntropyStats())
                .setProcessCpuNanos(processCpuNanos());
        Map<String, HintStore.Pending> hints = replication.hintsPending();
        for (MemberInfo m : view.members()) {
            HintStore.Pending held = hints.get(m.nodeId());
            Member.Builder member = Member.newBuilder()
                    .setNodeId(m.nodeId())
                    .setHost(host(m.clientAddress()))
                    .setClientPort(port(m.clientAddress()))
                    .setPeerPort(port(m.peerAddress()))
                    .setStatus(m.status().name())
                    .setLiveness(m.liveness().name())
                    .setRack(m.rack())
                    .setVnodes(m.vnodes())
                    .setWeight(m.weight())
                    .setOwnership(snapshot.contains(m.nodeId()) ? snapshot.ownership(m.nodeId()) : 0)
                    .setHeartbeat(m.heartbeat())
                    .setGeneration(m.generation())
                    .setLoadBytes(m.loadBytes())
                    .setKeyEstimate(m.keyEstimate())
                    .setHintsPending(held == null ? 0 : held.count())
                    .setHintBytes(held == null ? 0 : held.bytes());
            if (!Double.isNaN(m.phi())) {
                member.setPhi(m.phi());
            }
            info.addMembers(member);
        }
        return info.build();
    }

    private static String host(String address) {
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

    private static int port(String address) {
        int colon = address.lastIndexOf(':');
        try {
            return colon < 0 ? 0 : Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private CompletionStage<Reply> setVnodes(long id, int vnodes) {
        if (vnodes < 1 || vnodes > RingMember.MAX_VNODES) {
            return done(Reply.of(Errors.error(id, ErrorCode.INVALID_REQUEST,
                    "vnodes must be between 1 and " + RingMember.MAX_VNODES + ", got " + vnodes)));
        }
        return run(id, () -> {
            LocalRing.Change c = ring.setVnodes(vnodes);
            return Response.newBuilder().setRequestId(id)
                    .setSetVnodes(SetVnodesReply.newBuilder()
                            .setPreviousVnodes(c.previousVnodes())
                            .setVnodes(c.vnodes())
                            .setRingEpoch(c.epoch())
                            .setRangesMoved(c.rangesMoved())
                            .setMovedFraction(c.movedFraction()))
                    .build();
        });
    }

    /**
     * Starts an on-demand repair: the job is created on the anti-entropy thread, and the
     * reply goes out from there as soon as it has started (never waiting on this thread).
     */
    private CompletionStage<Reply> repair(long id, Repair repair) {
        if (antiEntropy == null) {
            return done(Reply.of(Errors.error(id, ErrorCode.INVALID_REQUEST,
                    "anti-entropy is off on " + identity.nodeId() + " (anti_entropy.enabled: false)")));
        }
        TokenRange only = repair.getHasRange() ? new TokenRange(repair.getStart(), repair.getEnd()) : null;
        return antiEntropy.repair(only).handle((job, failure) -> {
            if (failure == null) {
                return Reply.of(Response.newBuilder().setRequestId(id)
                        .setRepair(RepairReply.newBuilder().setJob(repairJob(job))).build());
            }
            if (failure instanceof AntiEntropyService.RepairRefused refused) {
                ErrorCode code = switch (refused.reason()) {
                    case RUNNING -> ErrorCode.RATE_LIMITED;
                    case NOT_READY, STOPPING -> ErrorCode.UNAVAILABLE;
                };
                return Reply.of(Errors.error(id, code, refused.getMessage()));
            }
            log.error("repair request {} failed", id, failure);
            return Reply.of(Errors.error(id, ErrorCode.INTERNAL, "internal error: "
                    + failure.getClass().getSimpleName()));
        });
    }

    /** The current or last on-demand repair and the counters; from volatile fields, so right here. */
    private RepairStatusReply repairStatus() {
        RepairStatusReply.Builder reply = RepairStatusReply.newBuilder().setStats(antiEntropyStats());
        AntiEntropy.Job job = antiEntropy == null ? null : antiEntropy.job();
        if (job != null) {
            reply.setJob(repairJob(job));
        }
        return reply.build();
    }

    static RepairJob repairJob(AntiEntropy.Job job) {
        RepairJob.Builder b = RepairJob.newBuilder()
                .setRunning(!job.isDone())
                .setSessionsTotal(job.sessions())
                .setSessionsDone(job.sessionsDone())
                .setSessionsFailed(job.sessionsFailed())
                .setRanges(job.ranges())
                .setRangesCompared(job.rangesCompared())
                .setRangesDiffering(job.rangesDiffering())
                .setKeysSent(job.keysSent())
                .setKeysReceived(job.keysReceived())
                .setBytes(job.bytes())
                .setElapsedMillis(Math.max(0, job.elapsedMillis(System.nanoTime())));
        if (job.failure() != null) {
            b.setFailure(job.failure());
        }
        if (job.lastSessionFailure() != null) {
            b.setLastSessionFailure(job.lastSessionFailure());
        }
        return b.build();
    }

    /** CPU time this process has used so far; 0 when the JVM cannot tell. */
    static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    private AntiEntropyStats antiEntropyStats() {
        if (antiEntropy == null) {
            return AntiEntropyStats.newBuilder().setEnabled(false).build();
        }
        AntiEntropy.Stats s = antiEntropy.stats();
        return AntiEntropyStats.newBuilder()
                .setEnabled(true)
                .setSessionsStarted(s.sessionsStarted.get())
                .setSessionsCompleted(s.sessionsCompleted.get())
                .setSessionsFailed(s.sessionsFailed.get())
                .setSessionsServed(s.sessionsServed.get())
                .setRangesCompared(s.rangesCompared.get())
                .setRangesDiffering(s.rangesDiffering.get())
                .setKeysSent(s.keysSent.get())
                .setKeysReceived(s.keysReceived.get())
                .setBytesSent(s.bytesSent.get())
                .setBytesReceived(s.bytesReceived.get())
                .setTreeRebuilds(s.treeRebuilds.get())
                .setLastRebuildMillis(s.lastRebuildMillis.get())
                .setTrees(antiEntropy.trees())
                .build();
    }

    private CompletionStage<Reply> get(long id, Get get) {
        Reply invalid = checkKey(id, get.getKey());
        if (invalid == null && get.hasR()) {
            invalid = checkQuorum(id, "r", get.getR());
        }
        if (invalid != null) {
            return done(invalid);
        }
        byte[] key = get.getKey().toByteArray();
        int r = get.hasR() ? get.getR() : 0;
        boolean verbose = get.getVerbose();
        CompletableFuture<Reply> onLoop = new CompletableFuture<>();
        Consumer<Outcomes.ReadResult> answer = result -> onLoop.complete(readReply(id, result, verbose));
        try {
            // coordinated right here when this node's own replica is in memory (or not asked)
            if (replication.readWithoutBlocking(key, r, verbose, answer)) {
                return onLoop;
            }
        } catch (RuntimeException e) {
            return done(failed(id, e));
        }
        return runAsync(id, reply -> replication.read(key, r, verbose,
                result -> reply.complete(readReply(id, result, verbose))));
    }

    private Reply readReply(long id, Outcomes.ReadResult result, boolean verbose) {
        return switch (result.status()) {
            case OK -> Reply.of(getReply(id, result, verbose));
            case UNAVAILABLE -> Reply.of(Errors.error(id, ErrorCode.UNAVAILABLE, result.message()));
            case TIMEOUT -> Reply.of(Response.newBuilder().setRequestId(id).setError(
                    io.murmur.proto.client.Error.newBuilder().setCode(ErrorCode.TIMEOUT)
                            .setMessage(result.message()).setAcks(result.replies())).build());
            case FAILED -> Reply.of(Errors.error(id, ErrorCode.INTERNAL, result.message()));
        };
    }

    private Response getReply(long id, Outcomes.ReadResult result, boolean verbose) {
        VersionedRecord record = result.record();
        GetReply.Builder reply = GetReply.newBuilder();
        for (Version v : record.siblings()) {
            reply.addSiblings(Sibling.newBuilder()
                    // a version's value is never changed once written: no copy needed
                    .setValue(UnsafeByteOperations.unsafeWrap(v.value()))
                    .setTombstone(v.isTombstone())
                    .setWrittenAtMillis(v.writtenAtMillis()));
        }
        if (!record.isEmpty()) {
            reply.setContext(ByteString.copyFrom(RecordCodec.encodeClock(record.context())));
        }
        if (verbose) {
            reply.setCoordinator(identity.nodeId());
            for (Outcomes.ReplicaAnswer answer : result.answers()) {
                ReplicaAnswer.Builder a = ReplicaAnswer.newBuilder().setNodeId(answer.nodeId())
                        .setOutcome(answer.outcome());
                for (Version v : answer.record().siblings()) {
                    a.addVersions(VersionSummary.newBuilder()
                            .setDot(v.dot().node() + ":" + v.dot().counter())
                            .setTombstone(v.isTombstone())
                            .setWrittenAtMillis(v.writtenAtMillis())
                            .setValueBytes(v.isTombstone() ? 0 : v.value().length));
                }
                reply.addReplicas(a);
            }
        }
        return Response.newBuilder().setRequestId(id).setGet(reply).build();
    }

    private CompletionStage<Reply> put(long id, Put put) {
        if (put.getValue().size() > maxValueBytes && checkKey(id, put.getKey()) == null) {
            return done(Reply.of(Errors.error(id, ErrorCode.TOO_LARGE, "value is " + put.getValue().size()
                    + " bytes; the limit is " + maxValueBytes + " (limits.max_value_bytes)")));
        }
        return write(id, put.getKey(), put.getContext(), put.hasW() ? put.getW() : null, put.getValue().toByteArray(),
                context -> Response.newBuilder().setRequestId(id)
                        .setPut(PutReply.newBuilder().setContext(context)).build());
    }

    private CompletionStage<Reply> delete(long id, Delete delete) {
        return write(id, delete.getKey(), delete.getContext(), delete.hasW() ? delete.getW() : null, null,
                context -> Response.newBuilder().setRequestId(id)
                        .setDelete(DeleteReply.newBuilder().setContext(context)).build());
    }

    /**
     * A put ({@code value} given) or a delete ({@code value} null): validates the key, the
     * write quorum and the causal context, then writes on the request executor and replies
     * with the new version's context.
     */
    private CompletionStage<Reply> write(long id, ByteString keyBytes, ByteString contextBytes, Integer w,
                                         byte[] value, Function<ByteString, Response> reply) {
        Reply invalid = checkKey(id, keyBytes);
        if (invalid == null && w != null) {
            invalid = checkQuorum(id, "w", w);
        }
        VectorClock context = null;
        if (invalid == null) {
            try {
                context = decodeContext(contextBytes);
            } catch (IllegalArgumentException e) {
                invalid = protocolError(id, "invalid causal context: " + e.getMessage());
            }
        }
        if (invalid != null) {
            return done(invalid);
        }
        byte[] key = keyBytes.toByteArray();
        VectorClock ctx = context;
        int quorum = w == null ? 0 : w;
        CompletableFuture<Reply> onLoop = new CompletableFuture<>();
        try {
            // coordinated right here when this node's own copy can be stored without waiting
            if (replication.writeWithoutBlocking(key, ctx, value, quorum,
                    result -> onLoop.complete(writeReply(id, result, reply)))) {
                return onLoop;
            }
        } catch (RuntimeException e) {
            return done(failed(id, e));
        }
        return runAsync(id, done -> replication.write(key, ctx, value, quorum,
                result -> done.complete(writeReply(id, result, reply))));
    }

    private static Reply writeReply(long id, Outcomes.WriteResult result, Function<ByteString, Response> reply) {
        return switch (result.status()) {
            case OK -> Reply.of(reply.apply(ByteString.copyFrom(RecordCodec.encodeClock(result.context()))));
            case UNAVAILABLE -> Reply.of(Errors.error(id, ErrorCode.UNAVAILABLE, result.message()));
            case TIMEOUT -> Reply.of(Response.newBuilder().setRequestId(id).setError(
                    io.murmur.proto.client.Error.newBuilder().setCode(ErrorCode.TIMEOUT)
                            .setMessage(result.message()).setAcks(result.acks())).build());
            case FAILED -> Reply.of(Errors.error(id, ErrorCode.INTERNAL, result.message()));
        };
    }

    private Reply checkKey(long id, ByteString key) {
        if (key.isEmpty()) {
            return protocolError(id, "key is missing or empty");
        }
        if (key.size() > maxKeyBytes) {
            return Reply.of(Errors.error(id, ErrorCode.TOO_LARGE, "key is " + key.size()
                    + " bytes; the limit is " + maxKeyBytes + " (limits.max_key_bytes)"));
        }
        return null;
    }

    private Reply checkQuorum(long id, String name, int value) {
        if (value < 1 || value > replicationFactor) {
            return Reply.of(Errors.error(id, ErrorCode.INVALID_REQUEST, name + "=" + value
                    + " is out of range: it must be between 1 and the replication factor " + replicationFactor));
        }
        return null;
    }

    private static VectorClock decodeContext(ByteString bytes) {
        return bytes.isEmpty() ? VectorClock.EMPTY : RecordCodec.decodeClock(bytes.toByteArray());
    }

    private static Reply protocolError(long id, String message) {
        return Reply.thenClose(Errors.error(id, ErrorCode.INVALID_REQUEST, message));
    }

    private CompletionStage<Reply> run(long id, Supplier<Response> work) {
        return runAsync(id, reply -> reply.complete(Reply.of(work.get())));
    }

    /**
     * Starts {@code work} on the request executor; it completes the reply, maybe later on
     * another thread. A storage or internal failure while starting becomes INTERNAL.
     */
    private CompletionStage<Reply> runAsync(long id, Consumer<CompletableFuture<Reply>> work) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        try {
            requestExecutor.execute(() -> {
                try {
                    work.accept(reply);
                } catch (RuntimeException e) {
                    reply.complete(failed(id, e));
                }
            });
        } catch (RejectedExecutionException e) {
            reply.complete(Reply.of(Errors.error(id, ErrorCode.UNAVAILABLE, "node is shutting down")));
        }
        return reply;
    }

    /** The INTERNAL reply to a request that failed inside the node, logged. */
    private static Reply failed(long id, RuntimeException e) {
        if (e instanceof StorageException) {
            log.error("storage failed serving request {}", id, e);
            return Reply.of(Errors.error(id, ErrorCode.INTERNAL, "storage error: " + e.getMessage()));
        }
        log.error("request {} failed", id, e);
        return Reply.of(Errors.error(id, ErrorCode.INTERNAL, "internal error: " + e.getClass().getSimpleName()));
    }

    private static CompletionStage<Reply> done(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
