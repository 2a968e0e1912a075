package io.murmur.sim.replication;

import io.murmur.replication.ReplicationSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;


import static org.assertj.core.api.Assertions.assertThat;

class FaultsScenarioTest {
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void noAcknowledgedWriteIsLostUnderRandomFaults(long seed) {
        FaultsScenario.Result result = FaultsScenario.run(seed, FaultsScenario.Options.defaults());
        assertThat(result.violations()).as(result.summary()).isEmpty();
        assertThat(result.writesAcked()).isGreaterThan(100);
        assertThat(result.readsChecked()).isGreaterThan(100);
        assertThat(result.faults()).isNotEmpty();
    }

    @Test
    void theCheckerCatchesStaleReadsWhenQuorumsDoNotOverlap() {
        FaultsScenario.Options o = FaultsScenario.Options.defaults();
        ReplicationSettings oneAndOne = o.settings().withQuorums(3, 1, 1);
        FaultsScenario.Options weak = new FaultsScenario.Options(o.nodes(), o.keys(), o.opGap(),
                o.faultsFor(), o.meanGap(), o.quietFor(), oneAndOne);
        FaultsScenario.Result result = FaultsScenario.run(1, weak);
        assertThat(result.violations()).as(result.summary()).isNotEmpty();
        assertThat(result.violations().get(0)).contains("missed write");
    }
}
