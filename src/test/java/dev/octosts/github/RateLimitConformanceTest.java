package dev.octosts.github;

import dev.octosts.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.GitHubSimulator.Fault;
import dev.octosts.dev.GitHubSimulator.SimulatedApp;
import dev.octosts.keys.PemKeys;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code github_error_classification} tables of org_trusted_issuers_cases.json, replayed as real
 * GitHub answers from the simulator: what {@link GitHubError#rateLimited()} (strict) says.
 */
class RateLimitConformanceTest {
    private static final String SECONDARY_DOCS =
            "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits";

    private final MutableClock clock = MutableClock.atSystemTime();
    private GitHubSimulator github;
    private GitHubClient client;
    private GitHubApp app;
    private long installation;
    private GitHubClient offline;

    @BeforeEach
    void start() {
        github = GitHubSimulator.start("", clock);
        SimulatedApp sim = github.createApp();
        app = new GitHubApp(sim.appId(), PemKeys.fromPem(sim.privateKeyPem(), "App"));
        installation = github.install(sim.appId(), "acme", Map.of("contents", "read"), null);
        github.putFile("acme", ".github", ".github/chainguard/trusted-token-issuers.yaml", "mode: enforce\n");
        client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(5), clock);
    }

    @AfterEach
    void stop() {
        if (offline != null) {
            offline.close();
        }
        client.close();
        github.close();
    }

    private static JsonNode table(String name) throws IOException {
        try (InputStream in = RateLimitConformanceTest.class.getResourceAsStream(
                "/conformance/octo-sts/org_trusted_issuers_cases.json")) {
            return new ObjectMapper().readTree(in).path("github_error_classification").path(name).path("cases");
        }
    }

    private static Stream<Arguments> rows(String name) throws IOException {
        List<Arguments> rows = new ArrayList<>();
        for (JsonNode row : table(name)) {
            rows.add(Arguments.of(label(row), row));
        }
        assertThat(rows).as(name).hasSize(table(name).size()).isNotEmpty();
        return rows.stream();
    }

    private static String label(JsonNode row) {
        if (row.has("error") && !row.get("error").isNull()) {
            return row.get("error").asText();
        }
        if (row.has("status")) {
            return row.path("status").asText() + " " + row.path("headers");
        }
        return "no error";
    }

    static Stream<Arguments> mintRows() throws IOException {
        return rows("allowlist_mint_error_classification");
    }

    static Stream<Arguments> predicateRows() throws IOException {
        return rows("is_org_issuer_rate_limit");
    }

    static Stream<Arguments> readRows() throws IOException {
        return rows("allowlist_read_error_classification");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mintRows")
    void mintErrors(String label, JsonNode row) {
        MintResult result;
        if (row.path("status").isNull()) {
            result = offlineClient().mintToken(app, installation, List.of(".github"), Map.of("contents", "read"));
        } else {
            Map<String, String> headers = new LinkedHashMap<>();
            row.path("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
            github.addFault(new Fault("POST", "/access_tokens$", row.get("status").asInt(), headers,
                    "{\"message\":\"injected\"}", 1));
            result = client.mintToken(app, installation, List.of(".github"), Map.of("contents", "read"));
        }

        GitHubError error = ((MintResult.Failed) result).error();
        String kind = row.get("kind").asText();
        assertThat(error.rateLimited()).isEqualTo(kind.equals("rate_limited"));
        if (kind.equals("no_access")) {
            assertThat(error.status()).isEqualTo(422);
        }
        if (row.path("status").isNull()) {
            assertThat(error.status()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("predicateRows")
    void strictPredicate(String label, JsonNode row) {
        String error = row.get("error").isNull() ? null : row.get("error").asText();
        Fault fault = switch (String.valueOf(error)) {
            case "typed RateLimitError (403)" -> Fault.rateLimited403("/access_tokens$");
            case "typed AbuseRateLimitError (403)" -> new Fault("POST", "/access_tokens$", 403, Map.of(),
                    "{\"message\":\"You have exceeded a secondary rate limit.\",\"documentation_url\":\"" + SECONDARY_DOCS + "\"}", 1);
            case "bare ErrorResponse 429" -> new Fault("POST", "/access_tokens$", 429, Map.of(), "{\"message\":\"x\"}", 1);
            case "bare ErrorResponse 403" -> new Fault("POST", "/access_tokens$", 403, Map.of(), "{\"message\":\"x\"}", 1);
            case "ErrorResponse 404" -> new Fault("POST", "/access_tokens$", 404, Map.of(), "{\"message\":\"Not Found\"}", 1);
            case "null" -> null;
            default -> fail("unmapped conformance row: " + error);
        };
        if (fault != null) {
            github.addFault(fault);
        }

        MintResult result = client.mintToken(app, installation, null, Map.of());

        boolean rateLimited = result instanceof MintResult.Failed(GitHubError e) && e.rateLimited();
        assertThat(rateLimited).isEqualTo(row.get("rate_limited").asBoolean());
        assertThat(result instanceof MintResult.Minted).isEqualTo(error == null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readRows")
    void contentsReadErrors(String label, JsonNode row) {
        String error = row.get("error").asText();
        String contents = "/contents/";
        GitHubClient reader = client;
        switch (error) {
            case "typed primary rate limit (403 with X-RateLimit-Remaining: 0)" -> github.addFault(Fault.rateLimited403(contents));
            case "typed secondary/abuse rate limit" -> github.addFault(new Fault("GET", contents, 403, Map.of("Retry-After", "60"),
                    "{\"message\":\"You have exceeded a secondary rate limit.\",\"documentation_url\":\"" + SECONDARY_DOCS + "\"}", 1));
            case "404" -> github.removeFile("acme", ".github", ".github/chainguard/trusted-token-issuers.yaml");
            case "bare 403 (no rate-limit marker)" -> github.addFault(new Fault("GET", contents, 403, Map.of(), "{\"message\":\"Forbidden\"}", 1));
            case "502" -> github.addFault(new Fault("GET", contents, 502, Map.of(), "<html>bad gateway</html>", 1));
            case "transport error (e.g. connection refused)", "error response without HTTP response" -> reader = offlineClient();
            default -> fail("unmapped conformance row: " + error);
        }

        FileResult result = reader.readFile(app, installation, "acme", ".github", ".github/chainguard/trusted-token-issuers.yaml");

        switch (row.get("kind").asText()) {
            case "absent" -> assertThat(result).isEqualTo(new FileResult.Missing());
            case "rate_limited" -> assertThat(result).isInstanceOfSatisfying(FileResult.Failed.class,
                    f -> assertThat(f.error().rateLimited()).isTrue());
            case "failed" -> assertThat(result).isInstanceOfSatisfying(FileResult.Failed.class,
                    f -> assertThat(f.error().rateLimited()).isFalse());
            default -> fail("unknown kind " + row.get("kind"));
        }
        if (reader == client && !error.equals("404")) {
            assertThat(github.issuedTokens()).singleElement().satisfies(t -> assertThat(t.revoked()).isTrue());
        }
    }

    /** A client whose server has gone: connection refused on loopback. */
    private GitHubClient offlineClient() {
        URI gone = github.baseUrl();
        github.close();
        offline = new GitHubClient(gone, Duration.ofSeconds(2), clock);
        return offline;
    }
}
