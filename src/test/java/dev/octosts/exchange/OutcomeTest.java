package dev.octosts.exchange;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A sequence of steps ends at its first refusal, which becomes its outcome; the steps after it never run. */
class OutcomeTest {

    @Test
    void theFirstRefusalEndsTheSequence() {
        List<String> ran = new ArrayList<>();

        Outcome<String> outcome = Outcome.steps(() -> {
            String first = step(ran, "first", Outcome.of("a")).orStop();
            step(ran, "second", Outcome.<String>refused(Reason.SCOPE_MISSING.refusal())).orStop();
            step(ran, "third", Outcome.of("c")).orStop();
            return first;
        });

        assertThat(outcome).isEqualTo(Outcome.refused(Reason.SCOPE_MISSING.refusal()));
        assertThat(ran).containsExactly("first", "second");
    }

    @Test
    void aSequenceWithoutRefusalGivesItsValue() {
        Outcome<String> outcome = Outcome.steps(() -> {
            Outcome.passed().orStop();
            return Outcome.of("a").orStop();
        });

        assertThat(outcome).isEqualTo(Outcome.of("a"));
    }

    @Test
    void aStopThrownInsideTheSequenceIsItsRefusal() {
        Outcome<String> outcome = Outcome.steps(() -> {
            throw Outcome.stop(Reason.IDENTITY_MISSING.refusal());
        });

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Refused.class, refused -> {
            assertThat(refused.refusal().reason()).isEqualTo(Reason.IDENTITY_MISSING);
            assertThat(refused.refusal().message()).isEqualTo("identity must be provided");
        });
    }

    private static <T> Outcome<T> step(List<String> ran, String name, Outcome<T> outcome) {
        ran.add(name);
        return outcome;
    }
}
