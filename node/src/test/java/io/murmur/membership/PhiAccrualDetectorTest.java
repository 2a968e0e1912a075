package io.murmur.membership;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

class PhiAccrualDetectorTest {
    private static final long MS = 1_000_000L;

    /** The default settings: 1 s interval, 100 ms minimum deviation, 1 s acceptable pause. */
    private static PhiAccrualDetector defaults() {
        return new PhiAccrualDetector(1000, 1000, 100, 1000);
    }

    /** Heartbeats exactly every second from time 0 to {@code beats} seconds. */
    private static PhiAccrualDetector regular(PhiAccrualDetector d, int beats) {
        for (int i = 0; i <= beats; i++) {
            d.heartbeat(i * 1000 * MS);
        }
        return d;
    }

    @Test
    void phiAtTheMeanIsAboutMinusLog10OfOneHalf() {
        // seeded with 750 and 1250 ms: mean 1000, deviation 250
        PhiAccrualDetector d = new PhiAccrualDetector(100, 1000, 10, 0);
        d.heartbeat(0);
        assertThat(d.meanMillis()).isCloseTo(1000, offset(1e-9));
        assertThat(d.stdDevMillis()).isCloseTo(250, offset(1e-9));
        assertThat(d.phi(1000 * MS)).isCloseTo(0.301, offset(0.001));
        // one deviation past the mean: the logistic tail gives about 0.80
        assertThat(d.phi(1250 * MS)).isCloseTo(0.80, offset(0.01));
    }

    @Test
    void phiIsZeroBeforeTheFirstHeartbeat() {
        assertThat(defaults().phi(10_000 * MS)).isZero();
        assertThat(defaults().started()).isFalse();
    }

    @Test
    void phiGrowsWithSilence() {
        PhiAccrualDetector d = regular(defaults(), 20);
        long last = 20_000 * MS;
        assertThat(d.phi(last + 1000 * MS)).isGreaterThanOrEqualTo(d.phi(last));
        double previous = d.phi(last + 1000 * MS);
        for (long since = 1500; since <= 4000; since += 250) {
            double phi = d.phi(last + since * MS);
            assertThat(phi).as("phi %d ms after the last heartbeat", since).isGreaterThan(previous);
            previous = phi;
        }
        assertThat(previous).isGreaterThan(100);
    }

    @Test
    void regularHeartbeatsKeepPhiLow() {
        PhiAccrualDetector d = regular(defaults(), 500);
        long last = 500_000 * MS;
        assertThat(d.meanMillis()).isCloseTo(1000, offset(1.0));
        assertThat(d.stdDevMillis()).isEqualTo(100);
        // a heartbeat as late as twice the interval is still covered by the acceptable pause
        assertThat(d.phi(last + 1000 * MS)).isLessThan(0.001);
        assertThat(d.phi(last + 2000 * MS)).isCloseTo(0.301, offset(0.001));
    }

    @Test
    void withTheDefaultsASilentPeerCrossesPhiEightAfterAboutTwoAndAHalfSeconds() {
        PhiAccrualDetector d = regular(defaults(), 50);
        long last = 50_000 * MS;
        assertThat(d.phi(last + 2450 * MS)).isLessThan(8);
        assertThat(d.phi(last + 2600 * MS)).isGreaterThan(8);
    }

    @Test
    void discountRemovesTheObserversOwnStall() {
        PhiAccrualDetector stalled = regular(defaults(), 30);
        PhiAccrualDetector reference = regular(defaults(), 30);
        long last = 30_000 * MS;
        assertThat(stalled.phi(last + 5000 * MS)).isGreaterThan(8);
        stalled.discount(4000 * MS);
        assertThat(stalled.phi(last + 5000 * MS)).isEqualTo(reference.phi(last + 1000 * MS));
        assertThat(stalled.phi(last + 5000 * MS)).isLessThan(1);
        assertThat(stalled.lastArrivalNanos()).isEqualTo(last + 4000 * MS);
    }

    @Test
    void discountBeforeTheFirstHeartbeatDoesNothing() {
        PhiAccrualDetector d = defaults();
        d.discount(5000 * MS);
        assertThat(d.started()).isFalse();
        assertThat(d.lastArrivalNanos()).isZero();
    }

    @Test
    void anAcceptablePauseShiftsTheCurveByThePause() {
        PhiAccrualDetector strict = regular(new PhiAccrualDetector(1000, 1000, 100, 0), 30);
        PhiAccrualDetector lenient = regular(new PhiAccrualDetector(1000, 1000, 100, 700), 30);
        long last = 30_000 * MS;
        for (long since = 900; since <= 1600; since += 100) {
            assertThat(lenient.phi(last + (since + 700) * MS)).as("%d ms", since)
                    .isCloseTo(strict.phi(last + since * MS), offset(1e-9));
        }
        assertThat(lenient.phi(last + 1500 * MS)).isLessThan(strict.phi(last + 1500 * MS));
    }

    @Test
    void startAtStartsTheClockWithoutASample() {
        PhiAccrualDetector d = defaults();
        d.startAt(5_000 * MS);
        assertThat(d.started()).isTrue();
        assertThat(d.meanMillis()).isCloseTo(1000, offset(1e-9));
        assertThat(d.phi(5_000 * MS)).isLessThan(0.001);
        assertThat(d.phi(8_000 * MS)).isGreaterThan(1);
        d.heartbeat(6_000 * MS); // the first real heartbeat adds the 1 s since the start
        assertThat(d.meanMillis()).isCloseTo(1000, offset(1e-9));
        d.heartbeat(9_000 * MS);
        assertThat(d.meanMillis()).isCloseTo((750 + 1250 + 1000 + 3000) / 4.0, offset(1e-9));
    }

    @Test
    void theWindowForgetsOldIntervals() {
        PhiAccrualDetector d = new PhiAccrualDetector(4, 1000, 10, 0);
        long t = 0;
        d.heartbeat(t);
        for (int i = 0; i < 4; i++) {
            t += 3000 * MS;
            d.heartbeat(t);
        }
        assertThat(d.meanMillis()).isCloseTo(3000, offset(1e-6));
        assertThat(d.stdDevMillis()).isEqualTo(10);
    }

    @Test
    void aHeartbeatOutOfOrderAddsNoSample() {
        PhiAccrualDetector d = regular(defaults(), 3);
        double mean = d.meanMillis();
        d.heartbeat(2_500 * MS); // earlier than the last one
        assertThat(d.meanMillis()).isEqualTo(mean);
        assertThat(d.lastArrivalNanos()).isEqualTo(3_000 * MS);
    }

    @Test
    void rejectsATooSmallWindowAndNonPositiveFigures() {
        assertThatThrownBy(() -> new PhiAccrualDetector(1, 1000, 100, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PhiAccrualDetector(10, 0, 100, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PhiAccrualDetector(10, 1000, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PhiAccrualDetector(10, 1000, 100, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
