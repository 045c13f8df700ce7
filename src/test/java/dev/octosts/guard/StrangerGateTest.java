package dev.octosts.guard;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class StrangerGateTest {

    @Test
    void strangersPassAFewAtATimeAndPastTheWaitingRoomAreTurnedAway() {
        StrangerGate gate = new StrangerGate(1, 0, Duration.ofSeconds(5));

        assertThat(gate.enter()).as("the first one works at once").isTrue();
        assertThat(gate.enter()).as("no room to wait in: turned away, not held up").isFalse();
        gate.leave();
        assertThat(gate.enter()).as("its turn came back").isTrue();
    }

    @Test
    void aStrangerWaitsAtMostItsTimeForATurn() {
        StrangerGate gate = new StrangerGate(1, 10, Duration.ZERO);
        assertThat(gate.enter()).isTrue();

        assertThat(gate.enter()).isFalse();
    }

    @Test
    void withNoLimitEveryoneEnters() {
        StrangerGate gate = new StrangerGate(0, 0, Duration.ZERO);

        for (int i = 0; i < 1_000; i++) {
            assertThat(gate.enter()).isTrue();
        }
    }
}
