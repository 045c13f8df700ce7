package dev.octosts.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A caller over its budget cannot simply ask again at once: its answer is held (as many at once as
 * {@code RATE_LIMIT_MAX_HELD}), and past the holds the answer goes at once with the connection closed,
 * so that a flood from many connections pays a new connection for each request.
 */
class HeldAnswersTest {
    private static final String OVER_BUDGET = "127.0.0.7";
    private final Harness harness = new Harness();

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void anAnswerOverBudgetIsHeldAndPastTheLastHoldItsConnectionCloses() throws Exception {
        harness.installWithMainBranchPolicy("ci");
        harness.env.put("RATE_LIMIT_PER_ADDRESS", "1");
        harness.env.put("RATE_LIMITED_RECORDS", "1000");
        harness.env.put("RATE_LIMIT_HOLD_MILLIS", "3000");
        harness.env.put("RATE_LIMIT_MAX_HELD", "1");
        harness.start();
        // A burst of two spends the address's budget.
        assertThat(answer(OVER_BUDGET)).startsWith("HTTP/1.1 401");
        assertThat(answer(OVER_BUDGET)).startsWith("HTTP/1.1 401");

        List<String> answers = twoAtOnce(OVER_BUDGET);

        assertThat(answers).allSatisfy(head -> assertThat(head).startsWith("HTTP/1.1 429")
                .contains("retry-after: 3"));
        assertThat(answers).as("one answer held, the other sent at once on a connection that then closes")
                .filteredOn(head -> head.contains("connection: close")).hasSize(1);
        assertThat(heldMetric()).contains("octosts_requests_held_total{octosts_outcome=\"held\"} 1")
                .contains("octosts_requests_held_total{octosts_outcome=\"closed\"} 1");
    }

    @Test
    void anAddressThatKeepsBeingRefusedHasItsAnswersHeldWhileAnotherIsAnsweredAtOnce() throws Exception {
        harness.installWithMainBranchPolicy("ci");
        harness.env.put("RATE_LIMIT_REFUSALS_PER_ADDRESS", "1");
        harness.env.put("RATE_LIMIT_HOLD_MILLIS", "3000");
        harness.env.put("RATE_LIMIT_MAX_HELD", "1");
        harness.start();
        // A burst of two refusals is answered at once.
        assertThat(answer(OVER_BUDGET)).startsWith("HTTP/1.1 401").doesNotContain("connection: close");
        assertThat(answer(OVER_BUDGET)).startsWith("HTTP/1.1 401").doesNotContain("connection: close");

        List<String> answers = twoAtOnce(OVER_BUDGET);
        String elsewhere = answer("127.0.0.8");

        assertThat(answers).as("the same refusal as before, not a 429").allSatisfy(head -> assertThat(head)
                .startsWith("HTTP/1.1 401").doesNotContain("retry-after"));
        assertThat(answers).filteredOn(head -> head.contains("connection: close")).hasSize(1);
        assertThat(elsewhere).startsWith("HTTP/1.1 401").doesNotContain("connection: close");
        assertThat(heldMetric()).contains("octosts_requests_held_total{octosts_outcome=\"held\"} 1")
                .contains("octosts_requests_held_total{octosts_outcome=\"closed\"} 1");
    }

    @Test
    void aRequestRefusedBeforeRoutingIsHeldToo() throws Exception {
        harness.installWithMainBranchPolicy("ci");
        harness.env.put("RATE_LIMIT_HOLD_MILLIS", "1");
        harness.start();

        String head = send("127.0.0.1", "GET /sts/exchange?scope=" + "a".repeat(16 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(head).startsWith("HTTP/1.1 414");
        assertThat(heldMetric()).contains("octosts_requests_held_total{octosts_outcome=\"held\"} 1");
    }

    /** The heads of the answers to two such GETs sent from {@code from} at once. */
    private List<String> twoAtOnce(String from) throws Exception {
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String> first = clients.submit(() -> answer(from));
            Future<String> second = clients.submit(() -> answer(from));
            return List.of(first.get(), second.get());
        }
    }

    /** The head of the answer to a GET of the exchange without a token, sent from {@code from}, in lower case but its status line. */
    private String answer(String from) {
        return send(from, "GET /sts/exchange?scope=org/repo&identity=ci HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    }

    private String send(String from, String request) {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", harness.baseUri().getPort()), 5_000);
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            for (int b; !head.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0; ) {
                head.append((char) b);
            }
            int lineEnd = head.indexOf("\r\n");
            return head.substring(0, lineEnd) + head.substring(lineEnd).toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String heldMetric() throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            URI metrics = harness.adminUri().resolve("/observe/metrics");
            return client.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }
}
