package dev.octosts.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.testing.CapturedLogs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests the HTTP fuzz run found answered 500 "internal error" (and logged as failures) although the caller
 * was at fault: each gets a 4xx with the grpc-gateway error body, an exchange request also its ledger record,
 * and nothing is logged as an error.
 */
class MalformedRequestsTest {
    private final Harness harness = new Harness();
    private final CapturedLogs logs = new CapturedLogs();

    @AfterEach
    void stop() {
        logs.close();
        harness.close();
    }

    @Test
    void aRequestLineWithAMethodNoMethodMayBeIsABadRequest() {
        harness.install(0, "org");
        harness.start();

        HttpFuzzTest.Parsed answer = raw(harness.baseUri().getPort(), "G\"T /sts/exchange HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(Harness.json(answer.body()).path("code").asInt()).isEqualTo(3);
        assertThat(errorsLogged()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {";", "/", "application/json;charset"})
    void anExchangeWithAContentTypeThatCannotBeParsedIsRefusedAndRecorded(String contentType) {
        harness.install(0, "org");
        harness.start();
        String body = "{\"scope\":\"org/repo\",\"identity\":\"ci\"}";

        HttpFuzzTest.Parsed answer = raw(harness.baseUri().getPort(), "POST /sts/exchange HTTP/1.1\r\nHost: x\r\nContent-Type: "
                + contentType + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(Harness.json(answer.body()).path("code").asInt()).isEqualTo(3);
        String requestId = answer.headers().get("x-request-id");
        assertThat(harness.records()).filteredOn(r -> r.path("request_id").asText().equals(requestId))
                .singleElement().satisfies(r -> assertThat(r.path("reason").asText()).isEqualTo("malformed_request"));
        assertThat(errorsLogged()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET /no-such-route", "GET /audit", "PUT /audit/records", "GET /sts/exchange"})
    void anUnknownAdminRouteIsNotFound(String methodAndPath) {
        harness.install(0, "org");
        harness.start();

        HttpFuzzTest.Parsed answer = raw(harness.adminUri().getPort(), methodAndPath + " HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(answer.status()).isEqualTo(404);
        assertThat(Harness.json(answer.body()).path("code").asInt()).isEqualTo(5);
        assertThat(errorsLogged()).isEmpty();
    }

    private List<String> errorsLogged() {
        return logs.lines().stream().filter(line -> line.contains("SEVERE") || line.contains("WARNING")).toList();
    }

    /** Sends bytes as they are and reads one answer. */
    private static HttpFuzzTest.Parsed raw(int port, String request) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            return HttpFuzzTest.read(socket.getInputStream(), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
