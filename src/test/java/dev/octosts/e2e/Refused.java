package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpRequest;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One refused request of a table test: what it sends, and what the caller and the ledger see. {@code reason} is
 * the reason of the ledger record under the answer's X-Request-Id.
 */
record Refused(String name, Supplier<HttpRequest> request, int status, int code, String message, String reason) {

    /** Sends the request: the answer and its ledger record are as the row says, and no token was left alive. */
    void assertRefusedWithoutToken(Harness harness) {
        long alive = aliveTokens(harness);

        Harness.Response response = harness.send(request.get());

        assertThat(response.status()).as("body %s", response.body()).isEqualTo(status);
        assertThat(response.code()).isEqualTo(code);
        assertThat(response.message()).isEqualTo(message);
        JsonNode record = harness.lastRecord();
        assertThat(record.path("request_id").asText())
                .isEqualTo(response.raw().headers().firstValue("X-Request-Id").orElseThrow());
        assertThat(record.path("reason").asText()).isEqualTo(reason);
        assertThat(record.path("issued").isNull()).isTrue();
        assertThat(aliveTokens(harness)).as("no token left alive").isEqualTo(alive);
    }

    static long aliveTokens(Harness harness) {
        return harness.github.issuedTokens().stream().filter(token -> !token.revoked()).count();
    }

    @Override
    public String toString() {
        return name;
    }
}
