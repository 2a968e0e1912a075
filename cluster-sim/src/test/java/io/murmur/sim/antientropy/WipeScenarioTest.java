package io.murmur.sim.antientropy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WipeScenarioTest {
    @Test
    void aReplicaThatLostItsDiskIsRefilledByAnOnDemandRepairUntilEveryRootAgrees() {
        WipeScenario.Result r = WipeScenario.run(1, WipeScenario.Options.defaults());
        assertThat(r.acknowledged()).isEqualTo(3000);
        assertThat(r.divergedBefore()).as("replicas agreed before the wipe").isZero();
        assertThat(r.keysBefore()).isGreaterThan(1000);
        assertThat(r.converged()).as(r.summary()).isTrue();
        assertThat(r.keysAfter()).as("the wiped replica holds what it held").isEqualTo(r.keysBefore());
        assertThat(r.job()).as("the on-demand repair ran").isNotNull();
        assertThat(r.repairs().keys()).isGreaterThanOrEqualTo(r.keysBefore());
    }

    @Test
    void scheduledSessionsOfTheOtherReplicasAloneRefillAWipedReplica() {
        WipeScenario.Result r = WipeScenario.run(2, WipeScenario.Options.defaults().withOnDemand(false)
                .withKeys(1000));
        assertThat(r.job()).isNull();
        assertThat(r.converged()).as(r.summary()).isTrue();
        assertThat(r.keysAfter()).isEqualTo(r.keysBefore()).isPositive();
        assertThat(r.mismatches()).isEmpty();
    }

    @Test
    void aSeedFixesTheRun() {
        WipeScenario.Options small = WipeScenario.Options.defaults().withKeys(300);
        WipeScenario.Result first = WipeScenario.run(5, small);
        assertThat(WipeScenario.run(5, small).traceHash()).isEqualTo(first.traceHash());
        assertThat(WipeScenario.run(6, small).traceHash()).isNotEqualTo(first.traceHash());
    }
}
