package dev.octosts.guard;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The exchange deadline: the steps' result, or nothing once the budget is spent, with the steps stopped. */
class ExchangeDeadlineTest {
    private static final ContextKey<String> CALLER = ContextKey.named("caller");

    @Test
    void theStepsResultComesBackInTheCallersContext() {
        ExchangeDeadline deadline = new ExchangeDeadline(Duration.ofSeconds(30));
        try (Scope ignored = Context.current().with(CALLER, "request-1").makeCurrent()) {
            assertThat(deadline.run(() -> "result seen by " + Context.current().get(CALLER)))
                    .contains("result seen by request-1");
        }
        assertThat(deadline.budget()).hasSeconds(30);
    }

    @Test
    void stepsThatReturnNothingGiveNothing() {
        assertThat(new ExchangeDeadline(Duration.ofSeconds(30)).run(() -> null)).isEmpty();
    }

    @Test
    void anExceptionOfTheStepsIsThrownToTheCaller() {
        IllegalStateException thrown = new IllegalStateException("a step failed");
        assertThatThrownBy(() -> new ExchangeDeadline(Duration.ofSeconds(30)).run(() -> {
            throw thrown;
        })).isSameAs(thrown);
    }

    @Test
    void stepsStillRunningAtTheDeadlineAreInterruptedAndGiveNothing() throws Exception {
        AtomicBoolean interrupted = new AtomicBoolean();
        Optional<String> result = new ExchangeDeadline(Duration.ofMillis(100)).run(() -> {
            try {
                Thread.sleep(Duration.ofMinutes(5));
                return "too late";
            } catch (InterruptedException e) {
                interrupted.set(true);
                return "stopped";
            }
        });

        assertThat(result).isEmpty();
        assertThat(interrupted).as("the steps were stopped before run returned").isTrue();
    }

    @Test
    void aCallerInterruptedWhileWaitingStopsTheStepsAndKeepsItsInterrupt() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean stepsInterrupted = new AtomicBoolean();
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        CompletableFuture<Boolean> callerStillInterrupted = new CompletableFuture<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                new ExchangeDeadline(Duration.ofMinutes(5)).run(() -> {
                    running.countDown();
                    try {
                        Thread.sleep(Duration.ofMinutes(5));
                    } catch (InterruptedException e) {
                        stepsInterrupted.set(true);
                    }
                    return null;
                });
                thrown.complete(null);
            } catch (RuntimeException e) {
                thrown.complete(e);
            }
            callerStillInterrupted.complete(Thread.currentThread().isInterrupted());
        });
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();

        caller.interrupt();

        assertThat(caller.join(Duration.ofSeconds(30))).isTrue();
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class).hasMessage("interrupted while the exchange ran");
        assertThat(stepsInterrupted).isTrue();
        assertThat(callerStillInterrupted.get()).isTrue();
    }

    @Test
    void theBudgetMustBePositive() {
        assertThatThrownBy(() -> new ExchangeDeadline(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the exchange deadline must be positive");
        assertThatThrownBy(() -> new ExchangeDeadline(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
