package dev.octosts.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memory of webhook bodies, with bodies arriving through pipes on virtual threads as they arrive on
 * sockets: who is cut off when it runs out, and when no one can be.
 */
class WebhookBodiesTest {
    private static final int KIB = 1024;
    private final ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() {
        readers.shutdownNow();
    }

    /** A sender: the pipe the test writes to, and the reader's outcome (the body, or why it was not received). */
    private record Sender(PipedOutputStream out, PipedInputStream in, Future<byte[]> body) {
        void send(int bytes) throws IOException, InterruptedException {
            out.write(new byte[bytes]);
            out.flush();
            // Until the reader has taken all of it (and so holds memory for it).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (in.available() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }

        Throwable failure() throws InterruptedException {
            try {
                body.get(30, TimeUnit.SECONDS);
                return null;
            } catch (ExecutionException e) {
                return e.getCause();
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the reader did not finish", e);
            }
        }
    }

    /** Starts a body of {@code length} on its own virtual thread, as a request's thread would. */
    private Sender start(WebhookBodies bodies, int length, CompletableFuture<Void> release) throws IOException {
        PipedInputStream in = new PipedInputStream(64 * KIB);
        PipedOutputStream out = new PipedOutputStream(in);
        Future<byte[]> body = readers.submit(() -> {
            try (WebhookBodies.Body received = bodies.start()) {
                byte[] bytes = received.read(in, length);
                // Held, as while its delivery is handled, until the test lets go.
                release.join();
                return bytes;
            }
        });
        return new Sender(out, in, body);
    }

    @Test
    void theOldestBodyStillArrivingMakesRoomForANewerOne() throws Exception {
        WebhookBodies bodies = new WebhookBodies(64 * KIB, Duration.ofMinutes(1));
        CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
        Sender oldest = start(bodies, 32 * KIB, done);
        oldest.send(20 * KIB);
        Sender older = start(bodies, 16 * KIB, done);
        older.send(10 * KIB);
        Sender old = start(bodies, 16 * KIB, done);
        old.send(10 * KIB);
        // Their buffers (32, 16 and 16 KiB) hold all 64 KiB.

        Sender newer = start(bodies, KIB, done);
        newer.send(KIB);
        assertThat(newer.failure()).isNull();
        assertThat(newer.body().get()).hasSize(KIB);
        assertThat(oldest.failure()).isInstanceOf(WebhookBodies.CutOff.class);

        older.send(6 * KIB);
        old.send(6 * KIB);
        assertThat(older.failure()).as("only the oldest had to make room").isNull();
        assertThat(old.failure()).isNull();
        assertThat(older.body().get()).hasSize(16 * KIB);
    }

    @Test
    void aBodyIsBusyWhenTheMemoryIsHeldByDeliveriesAlreadyReceived() throws Exception {
        WebhookBodies bodies = new WebhookBodies(16 * KIB, Duration.ofMinutes(1));
        CompletableFuture<Void> handled = new CompletableFuture<>();
        Sender received = start(bodies, 16 * KIB, handled);
        received.send(16 * KIB);

        Sender next = start(bodies, KIB, CompletableFuture.completedFuture(null));
        assertThat(next.failure()).as("a received body is never cut off").isInstanceOf(WebhookBodies.Busy.class);

        handled.complete(null);
        assertThat(received.failure()).isNull();
        Sender after = start(bodies, KIB, CompletableFuture.completedFuture(null));
        after.send(KIB);
        assertThat(after.failure()).as("its memory was given back").isNull();
    }

    @Test
    void aBodyNotReceivedByItsDeadlineIsCutOff() throws Exception {
        WebhookBodies bodies = new WebhookBodies(64 * KIB, Duration.ofMillis(200));
        Sender slow = start(bodies, 32 * KIB, CompletableFuture.completedFuture(null));
        slow.send(KIB);
        assertThat(slow.failure()).isInstanceOf(WebhookBodies.CutOff.class);

        Sender prompt = start(bodies, 32 * KIB, CompletableFuture.completedFuture(null));
        prompt.send(32 * KIB);
        assertThat(prompt.failure()).isNull();
    }

    @Test
    void aBodyEndingEarlyIsNotReceived() throws Exception {
        WebhookBodies bodies = new WebhookBodies(64 * KIB, Duration.ofMinutes(1));
        Sender gone = start(bodies, 32 * KIB, CompletableFuture.completedFuture(null));
        gone.send(KIB);
        gone.out().close();
        assertThat(gone.failure()).isInstanceOf(WebhookBodies.CutOff.class);
    }
}
