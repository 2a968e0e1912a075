package io.murmur.transport;

import io.murmur.proto.client.Error;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.Response;

/** Builds error responses. */
public final class Errors {
    private Errors() {
    }

    public static Response error(long requestId, ErrorCode code, String message) {
        return Response.newBuilder()
                .setRequestId(requestId)
                .setError(Error.newBuilder().setCode(code).setMessage(message))
                .build();
    }
}
