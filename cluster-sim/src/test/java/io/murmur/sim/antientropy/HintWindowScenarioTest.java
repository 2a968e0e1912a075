package io.murmur.sim.antientropy;

import io.murmur.sim.replication.ReplicaCluster;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HintWindowScenarioTest {
    @Test
    void aReplicaDownPastTheHintWindowConvergesThroughAntiEntropyAlone() {
        HintWindowScenario.Result r = HintWindowScenario.run(1, HintWindowScenario.Options.defaults());
        assertThat(r.acknowledged()).isEqualTo(r.options().writes());
        assertThat(r.downSeconds() * 1000).isGreaterThan(HintWindowScenario.HINT_WINDOW_MILLIS);
        assertThat(r.hintsExpired()).as("hints expired").isPositive();
        assertThat(r.hintsReplayed()).as("hints replayed").isZero();
        assertThat(r.hintsHeldAtReturn()).isZero();
        assertThat(r.converged()).as(r.summary()).isTrue();
        assertThat(r.missingCount()).isZero();
        assertThat(r.repairs().keys()).as("keys anti-entropy carried").isGreaterThanOrEqualTo(r.acknowledged());
    }

    @Test
    void withoutScheduledAntiEntropyTheReplicaStaysBehind() {
        HintWindowScenario.Result r = HintWindowScenario.run(1, HintWindowScenario.Options.defaults()
                .withAntiEntropy(ReplicaCluster.ANTI_ENTROPY.withIntervalMillis(0)));
        assertThat(r.hintsExpired()).isPositive();
        assertThat(r.converged()).as(r.summary()).isFalse();
        assertThat(r.missingCount()).as("acknowledged writes n3 never got").isEqualTo(r.acknowledged());
        assertThat(r.repairs().sessions()).isZero();
    }
}
