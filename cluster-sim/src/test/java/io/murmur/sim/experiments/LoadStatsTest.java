package io.murmur.sim.experiments;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

class LoadStatsTest {
    @Test
    void standardDeviationAsPercentOfMeanAndMaxOverMean() {
        // mean 20; deviations -10, 0, 10; population variance 200/3; stddev 8.1650.
        LoadStats s = LoadStats.of(new long[] {10, 20, 30});
        assertThat(s.count()).isEqualTo(3);
        assertThat(s.mean()).isEqualTo(20.0);
        assertThat(s.stddevPercent()).isCloseTo(100 * Math.sqrt(200.0 / 3) / 20, offset(1e-12))
                .isCloseTo(40.8248, offset(1e-4));
        assertThat(s.maxOverMean()).isEqualTo(1.5);
        assertThat(s.minOverMean()).isEqualTo(0.5);
    }

    @Test
    void anEvenLoadHasNoSpread() {
        LoadStats s = LoadStats.of(new long[] {7, 7, 7, 7});
        assertThat(s.stddevPercent()).isZero();
        assertThat(s.maxOverMean()).isEqualTo(1.0);
    }

    @Test
    void nothingToSpreadGivesNaN() {
        LoadStats s = LoadStats.of(new long[] {0, 0});
        assertThat(s.mean()).isZero();
        assertThat(s.stddevPercent()).isNaN();
        assertThat(s.maxOverMean()).isNaN();
    }

    @Test
    void sharesWorkLikeCounts() {
        assertThat(LoadStats.of(new double[] {0.25, 0.5, 0.75}).stddevPercent())
                .isCloseTo(LoadStats.of(new long[] {1, 2, 3}).stddevPercent(), offset(1e-12));
    }

    @Test
    void movedFractionCountsChangedPositions() {
        assertThat(LoadStats.movedFraction(new int[] {0, 1, 2, 3}, new int[] {0, 1, 1, 3})).isEqualTo(0.25);
        assertThat(LoadStats.movedFraction(new long[] {5, 6}, new long[] {6, 5})).isEqualTo(1.0);
        assertThat(LoadStats.movedFraction(new int[] {4}, new int[] {4})).isZero();
        assertThatThrownBy(() -> LoadStats.movedFraction(new int[] {1}, new int[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LoadStats.of(new long[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
