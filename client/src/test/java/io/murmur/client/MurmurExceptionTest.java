package io.murmur.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.murmur.proto.client.Error;
import io.murmur.proto.client.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MurmurExceptionTest {
    static Class<? extends MurmurException> expectedType(ErrorCode code) {
        switch (code) {
            case UNAVAILABLE: return UnavailableException.class;
            case TIMEOUT: return TimeoutException.class;
            case TOO_LARGE: return TooLargeException.class;
            case INVALID_REQUEST: return InvalidRequestException.class;
            case RATE_LIMITED: return RateLimitedException.class;
            case UNAUTHENTICATED: return UnauthenticatedException.class;
            case INTERNAL: return InternalServerException.class;
            default: return MurmurException.class;
        }
    }

    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, mode = EnumSource.Mode.EXCLUDE, names = "UNRECOGNIZED")
    void everyCodeMapsToItsType(ErrorCode code) {
        MurmurException e = MurmurException.fromError(Error.newBuilder().setCode(code).setMessage("boom").build());

        assertThat(e).isExactlyInstanceOf(expectedType(code));
        if (code == ErrorCode.ERROR_CODE_UNSPECIFIED) {
            assertThat(e.code()).isEqualTo(ErrorCode.ERROR_CODE_UNSPECIFIED);
            assertThat(e).hasMessageContaining("boom");
        } else {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e).hasMessage("boom");
        }
    }

    @Test
    void unknownCodeFromANewerNodeIsAPlainMurmurException() {
        MurmurException e = MurmurException.fromError(Error.newBuilder().setCodeValue(99).setMessage("new").build());

        assertThat(e).isExactlyInstanceOf(MurmurException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.ERROR_CODE_UNSPECIFIED);
        assertThat(e).hasMessageContaining("99").hasMessageContaining("new");
    }

    @Test
    void timeoutCarriesAcks() {
        MurmurException e = MurmurException.fromError(Error.newBuilder()
                .setCode(ErrorCode.TIMEOUT).setMessage("quorum not reached").setAcks(1).build());

        assertThat(((TimeoutException) e).acks()).isEqualTo(1);
    }

    @Test
    void rateLimitedCarriesRetryAfterOrZero() {
        MurmurException hinted = MurmurException.fromError(Error.newBuilder()
                .setCode(ErrorCode.RATE_LIMITED).setRetryAfterMs(250).build());
        MurmurException unhinted = MurmurException.fromError(Error.newBuilder()
                .setCode(ErrorCode.RATE_LIMITED).build());

        assertThat(((RateLimitedException) hinted).retryAfterMillis()).isEqualTo(250);
        assertThat(((RateLimitedException) unhinted).retryAfterMillis()).isZero();
    }

    @Test
    void emptyMessageFallsBackToTheCodeName() {
        MurmurException e = MurmurException.fromError(Error.newBuilder().setCode(ErrorCode.UNAVAILABLE).build());

        assertThat(e).hasMessage("UNAVAILABLE");
    }

    @Test
    void clientSideFailuresHaveNoServerCode() {
        assertThat(new ConnectionException("x").code()).isEqualTo(ErrorCode.ERROR_CODE_UNSPECIFIED);
        assertThat(new RequestTimeoutException("x").code()).isEqualTo(ErrorCode.ERROR_CODE_UNSPECIFIED);
        assertThat(new ProtocolException("x").code()).isEqualTo(ErrorCode.ERROR_CODE_UNSPECIFIED);
    }
}
