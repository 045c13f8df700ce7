package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.dev.GitHubSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code exchange} row of Octo STS's own test suite, run end to end: a real token from a local
 * OIDC issuer, over HTTP to the service, which talks HTTP to the GitHub simulator. Checks the status,
 * the gRPC code and message, and the exact token request GitHub received.
 */
class ExchangeConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> rows() throws IOException {
        try (InputStream in = ExchangeConformanceTest.class.getResourceAsStream("/conformance/octo-sts/trust_policy_cases.json")) {
            List<Arguments> rows = new ArrayList<>();
            for (JsonNode row : JSON.readTree(in)) {
                if (row.path("kind").asText().equals("exchange")) {
                    rows.add(Arguments.argumentSet(row.path("id").asText(), row));
                }
            }
            return rows.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("rows")
    void exchange(JsonNode row) {
        String id = row.path("id").asText();
        try (Harness harness = new Harness()) {
            Scenario scenario = prepare(harness, row, id);
            harness.start();
            String token = harness.actionsToken(claims(row));
            Map<String, String> query = new LinkedHashMap<>();
            if (!id.equals("TestExchangeValidation/nil")) {
                query.put("scope", row.path("scope").asText());
                query.put("identity", row.path("identity").asText());
            }

            Harness.Response response = null;
            int repeat = Math.max(1, row.path("repeat").asInt(1));
            for (int i = 0; i < repeat; i++) {
                response = harness.get(token, query);
            }
            if (scenario == Scenario.BREAK_GITHUB_THEN_REPEAT) {
                harness.github.clearCalls();
                harness.github.addFault(new GitHubSimulator.Fault(null, ".*", 500, Map.of(), "{\"message\":\"down\"}", -1));
                response = harness.get(token, query);
                assertThat(harness.github.calls()).as("negative cache answers before any GitHub call").isEmpty();
            }
            if (scenario == Scenario.AGE_CACHE_THEN_RATE_LIMIT) {
                harness.clock.advance(Duration.ofMinutes(6));
                harness.github.addFault(GitHubSimulator.Fault.rateLimited403(".*/contents/\\.github/chainguard/foo\\.sts\\.yaml"));
                response = harness.get(token, query);
            }

            Expected expected = Expected.of(row.path("expected_grpc_code").asText());
            assertThat(response.status()).as("HTTP status; body %s", response.body()).isEqualTo(expected.httpStatus());
            if (expected.code() == 0) {
                assertThat(response.body().path("token").asText()).startsWith("ghs_");
                assertThat(response.body().path("expiry").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
                if (row.hasNonNull("expected_installation_token_request")) {
                    List<JsonNode> requests = harness.tokenRequests();
                    assertThat(requests.getLast()).isEqualTo(row.get("expected_installation_token_request"));
                }
            } else {
                assertThat(response.code()).isEqualTo(expected.code());
                if (row.hasNonNull("expected_message")) {
                    assertThat(response.message()).isEqualTo(row.get("expected_message").asText());
                }
                assertThat(response.body().has("details")).isTrue();
            }
            if (row.has("expected_policy_file_reads")) {
                assertThat(harness.contentReads(".github/chainguard/" + row.path("identity").asText() + ".sts.yaml"))
                        .isEqualTo(row.get("expected_policy_file_reads").asLong());
            }
            if (row.has("expected_allowlist_reads")) {
                assertThat(harness.contentReads(".github/chainguard/trusted-token-issuers.yaml"))
                        .isEqualTo(row.get("expected_allowlist_reads").asLong());
            }
            List<JsonNode> records = harness.records();
            assertThat(records).as("one ledger record per request").hasSize(harness.requests.get());
            JsonNode last = records.getLast();
            assertThat(last.path("reason").asText()).as("the ledger's reason").isEqualTo(REASONS.get(id));
            assertThat(last.path("grpc_code").asInt()).isEqualTo(expected.code());
            assertThat(last.path("decision").asText()).isEqualTo(expected.decision());
            assertThat(last.path("actor").path("sub").asText()).isEqualTo("foo");
            if (expected.code() == 0) {
                assertThat(last.path("issued").path("token_sha256").asText())
                        .as("the ledger holds the hash of the token the client received")
                        .isEqualTo(Harness.sha256Hex(response.body().path("token").asText()));
                assertThat(last.path("policy").path("path").asText()).isEqualTo(".github/chainguard/foo.sts.yaml");
                assertThat(last.path("policy").path("sha256").asText()).hasSize(64);
                assertThat(last.path("issued").path("permissions")).isEqualTo(
                        harness.tokenRequests().getLast().path("permissions"));
            } else {
                assertThat(last.path("issued").isNull()).isTrue();
                assertThat(last.path("message").asText()).isEqualTo(response.message());
            }
            if (row.hasNonNull("expected_event_issuer_allowlist")) {
                assertThat(last.path("issuer_allowlist")).isEqualTo(row.get("expected_event_issuer_allowlist"));
            }
        }
    }

    /** The ledger reason of each row's last exchange; rows not listed here are issued. */
    private static final Map<String, String> REASONS = reasons();

    private static Map<String, String> reasons() {
        Map<String, String> refused = Map.ofEntries(
                Map.entry("TestExchangeValidation/empty scope", "scope_missing"),
                Map.entry("TestExchangeValidation/empty identity", "identity_missing"),
                Map.entry("TestExchangeValidation/both empty", "scope_missing"),
                Map.entry("TestExchangeValidation/nil", "scope_missing"),
                Map.entry("TestExchangeRateLimit/403 Forbidden", "github_rate_limited"),
                Map.entry("TestExchangeRateLimit/429 Too Many Requests", "github_rate_limited"),
                Map.entry("TestPolicyReadAllRateLimitedReturnsError", "github_rate_limited"),
                Map.entry("TestNegativeCachePreventsRepeatedGitHubCalls", "policy_not_found"),
                Map.entry("TestNegativeCacheSkipsInstallationTokenCreation", "policy_not_found"),
                Map.entry("TestExchangeOrgNotConfigured", "no_app_for_owner"),
                Map.entry("TestExchangeOrgIsolation/other-org", "policy_not_found"),
                Map.entry("TestExchangeEnforcesOrgAllowlist/unlisted issuer denied", "issuer_not_permitted"),
                Map.entry("TestExchangeEnforcesOrgAllowlist/invalid config denied", "issuer_allowlist_invalid"),
                Map.entry("TestExchangeUninstalledOwnerReadsNoAllowlist", "not_installed"));
        Map<String, String> all = new java.util.HashMap<>();
        try {
            rows().forEach(row -> {
                String id = ((JsonNode) row.get()[0]).path("id").asText();
                all.put(id, refused.getOrDefault(id, "issued"));
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(all).as("every listed row exists").containsKeys(refused.keySet().toArray(String[]::new));
        return all;
    }

    private enum Scenario { PLAIN, BREAK_GITHUB_THEN_REPEAT, AGE_CACHE_THEN_RATE_LIMIT }

    /** Builds the GitHub world a row describes (its fixtures and its {@code github_environment}). */
    private static Scenario prepare(Harness harness, JsonNode row, String id) {
        harness.app(0);
        harness.env.put("ORG_POLICY_REPO", row.path("org_policy_repo").asText(".github"));
        String orgPolicyRepo = row.path("org_policy_repo").asText(".github");
        Set<String> owners = new LinkedHashSet<>();
        owners.add(owner(row.path("scope").asText()));
        if (row.hasNonNull("policy_path")) {
            owners.add(row.get("policy_path").asText().split("/")[0]);
        }
        owners.remove("");
        boolean twoApps = id.startsWith("TestPolicyRead");
        switch (id) {
            case "TestExchangeOrgNotConfigured" -> {
                harness.install(0, "org");
                harness.pools("pools:\n  org: [" + harness.app(0).appId() + "]\n");
                return Scenario.PLAIN;
            }
            case "TestExchangeOrgIsolation/org", "TestExchangeOrgIsolation/other-org" -> {
                harness.install(0, "org");
                harness.install(1, "other-org");
                harness.putFile("org/repo/.github/chainguard/foo.sts.yaml", fixturePolicy());
                harness.pools("pools:\n  org: [" + harness.app(0).appId() + "]\n  other-org: ["
                        + harness.app(1).appId() + "]\n");
                return Scenario.PLAIN;
            }
            case "TestExchangeUninstalledOwnerReadsNoAllowlist" -> {
                harness.install(0, "org");
                return Scenario.PLAIN;
            }
            default -> {
            }
        }
        for (String owner : owners) {
            harness.install(0, owner);
            harness.github.createRepository(owner, orgPolicyRepo);
            if (twoApps) {
                harness.install(1, owner);
            }
        }
        if (row.hasNonNull("policy_path") && !id.startsWith("TestNegativeCache") && !row.path("policy_yaml").isNull()) {
            harness.putFile(row.get("policy_path").asText(), row.get("policy_yaml").asText());
        }
        if (row.hasNonNull("org_trusted_issuers_path")) {
            harness.putFile(row.get("org_trusted_issuers_path").asText(), row.get("org_trusted_issuers_yaml").asText());
        }
        String policyFile = ".*/contents/\\.github/chainguard/" + row.path("identity").asText() + "\\.sts\\.yaml";
        switch (id) {
            case "TestExchangeRateLimit/403 Forbidden", "TestPolicyReadAllRateLimitedReturnsError" ->
                    harness.github.addFault(GitHubSimulator.Fault.rateLimited403(policyFile));
            case "TestExchangeRateLimit/429 Too Many Requests" ->
                    harness.github.addFault(GitHubSimulator.Fault.rateLimited429(policyFile));
            case "TestPolicyReadRetriesOnRateLimit" ->
                    harness.github.addFault(GitHubSimulator.Fault.rateLimited403(policyFile).limitedTo(1));
            case "TestNegativeCacheSkipsInstallationTokenCreation" -> {
                return Scenario.BREAK_GITHUB_THEN_REPEAT;
            }
            case "TestRateLimitServesStaleCache" -> {
                return Scenario.AGE_CACHE_THEN_RATE_LIMIT;
            }
            default -> {
            }
        }
        return Scenario.PLAIN;
    }

    /** The policy of Octo STS's testdata {@code org/repo/.github/chainguard/foo.sts.yaml}. */
    private static String fixturePolicy() {
        return "issuer: https://token.actions.githubusercontent.com\nsubject: foo\naudience: octosts\n\n"
                + "permissions:\n  pull_requests: write\n";
    }

    private static Map<String, Object> claims(JsonNode row) {
        JsonNode claims = row.get("token_claims");
        if (claims == null || claims.isNull()) {
            return Map.of("sub", "foo", "aud", "octosts");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = JSON.convertValue(claims, Map.class);
        return map;
    }

    private static String owner(String scope) {
        int slash = scope.lastIndexOf('/');
        return slash < 0 ? scope : scope.substring(0, slash);
    }

    /**
     * What the client and the ledger see for a row's {@code expected_grpc_code}, written out here rather than
     * taken from the service's own mapping: the gRPC code's number, the HTTP status of grpc-gateway's standard
     * mapping ({@code runtime.HTTPStatusFromCode}), and the ledger's decision (error when the service could
     * not decide). The 26 rows use six codes.
     */
    private record Expected(int code, int httpStatus, String decision) {
        private static final Map<String, Expected> BY_GO_NAME = Map.of(
                "OK", new Expected(0, 200, "allow"),
                "InvalidArgument", new Expected(3, 400, "deny"),
                "NotFound", new Expected(5, 404, "deny"),
                "PermissionDenied", new Expected(7, 403, "deny"),
                "ResourceExhausted", new Expected(8, 429, "error"),
                "FailedPrecondition", new Expected(9, 400, "deny"));

        static Expected of(String goName) {
            Expected expected = BY_GO_NAME.get(goName);
            if (expected == null) {
                throw new IllegalArgumentException("no expected answer written down for gRPC code " + goName);
            }
            return expected;
        }
    }

    @Test
    void theVectorsHoldTwentySixExchangeRows() throws IOException {
        assertThat(rows()).hasSize(26);
    }
}
