package dev.octosts.guard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The exchange deadline hands back what the steps returned, in time or not: a token minted by steps that
 * finished only after they were interrupted must reach the caller to be revoked.
 */
@Timeout(30)
class ExchangeDeadlineTest {

    @Test
    void stepsThatFinishInTimeGiveTheirResult() {
        ExchangeDeadline.Ran<String> ran = new ExchangeDeadline(Duration.ofSeconds(20)).run(() -> "token");

        assertThat(ran.inTime()).isTrue();
        assertThat(ran.result()).isEqualTo("token");
    }

    @Test
    void stepsStoppedAtTheDeadlineHandBackWhatTheyLeftBehind() {
        CountDownLatch never = new CountDownLatch(1);
        ExchangeDeadline.Ran<String> ran = new ExchangeDeadline(Duration.ofMillis(50)).run(() -> {
            try {
                never.await();
                return "in time";
            } catch (InterruptedException e) {
                // Like a mint whose answer arrived as the deadline passed: the steps still return it.
                return "left behind";
            }
        });

        assertThat(ran.inTime()).isFalse();
        assertThat(ran.result()).isEqualTo("left behind");
    }

    @Test
    void stepsThatThrowAfterTheDeadlineLeaveNothing() {
        CountDownLatch never = new CountDownLatch(1);
        ExchangeDeadline.Ran<String> ran = new ExchangeDeadline(Duration.ofMillis(50)).run(() -> {
            try {
                never.await();
                return "in time";
            } catch (InterruptedException e) {
                throw new IllegalStateException("interrupted");
            }
        });

        assertThat(ran.inTime()).isFalse();
        assertThat(ran.result()).isNull();
    }

    @Test
    void anExceptionWithinTheDeadlineIsThrownToTheCaller() {
        ExchangeDeadline deadline = new ExchangeDeadline(Duration.ofSeconds(20));

        assertThatThrownBy(() -> deadline.run(() -> {
            throw new IllegalArgumentException("a bug in a step");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("a bug in a step");
    }
}
