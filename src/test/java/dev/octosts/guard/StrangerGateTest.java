package dev.octosts.guard;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

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

    /**
     * One waits in the room while the turn is taken, gets the turn once it is given back, and leaves the room
     * free: the next one may wait there too.
     */
    @Test
    void aWaitingStrangerGetsTheTurnGivenBackAndLeavesTheWaitingRoom() throws Exception {
        StrangerGate gate = new StrangerGate(1, 1, Duration.ofSeconds(30));
        assertThat(gate.enter()).isTrue();

        FutureTask<Boolean> second = waitingEnter(gate);
        assertThat(gate.enter()).as("the one place in the waiting room is taken: turned away at once").isFalse();
        gate.leave();
        assertThat(second.get(30, TimeUnit.SECONDS)).as("the waiting one gets the turn given back").isTrue();

        FutureTask<Boolean> third = waitingEnter(gate);
        gate.leave();
        assertThat(third.get(30, TimeUnit.SECONDS)).as("the room was free again for the next one to wait in").isTrue();
    }

    /** Calls enter() on a thread of its own and returns once that thread waits for its turn. */
    private static FutureTask<Boolean> waitingEnter(StrangerGate gate) throws InterruptedException {
        FutureTask<Boolean> entered = new FutureTask<>(gate::enter);
        Thread thread = Thread.ofPlatform().daemon().start(entered);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (thread.getState() != Thread.State.TIMED_WAITING && !entered.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(thread.getState()).as("the caller waits for its turn").isEqualTo(Thread.State.TIMED_WAITING);
        return entered;
    }

    @Test
    void withNoLimitEveryoneEnters() {
        StrangerGate gate = new StrangerGate(0, 0, Duration.ZERO);

        for (int i = 0; i < 1_000; i++) {
            assertThat(gate.enter()).isTrue();
        }
    }
}
