package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpRequest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Ledger reads over the admin listener: only for audit readers, and every read is itself recorded. */
class AdminListenerTest {
    private static final String READER = "repo:org/security:ref:refs/heads/main";
    private static Harness harness;
    private static String issuedToken;

    @BeforeAll
    static void start() {
        harness = new Harness();
        harness.installWithMainBranchPolicy("ci");
        harness.env.put("AUDIT_READERS_POLICY_FILE", harness.write("audit-readers.yaml", """
                issuer: https://token.actions.githubusercontent.com
                subject: %s
                audience: octo-sts-audit
                """.formatted(READER)).toString());
        harness.start();
        Harness.Response allowed = harness.get(harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main",
                "aud", "octo-sts.test")), Map.of("scope", "org/repo", "identity", "ci"));
        assertThat(allowed.status()).isEqualTo(200);
        issuedToken = allowed.body().path("token").asText();
        harness.get(null, Map.of("scope", "org/repo", "identity", "ci"));
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    private static Harness.Response admin(String path, String subject) {
        HttpRequest.Builder request = HttpRequest.newBuilder(harness.adminUri().resolve(path)).GET();
        if (subject != null) {
            request.header("Authorization", "Bearer " + harness.actionsToken(Map.of("sub", subject, "aud", "octo-sts-audit")));
        }
        return harness.send(request.build());
    }

    private static List<JsonNode> lines(Harness.Response response) {
        return Arrays.stream(response.raw().body().split("\n")).filter(line -> !line.isBlank())
                .map(Harness::json).toList();
    }

    @Test
    void anAuditReaderFindsWhoGotAToken() {
        Harness.Response response = admin("/audit/records?token_sha256=" + Harness.sha256Hex(issuedToken), READER);
        assertThat(response.status()).isEqualTo(200);
        List<JsonNode> records = lines(response);
        assertThat(records).hasSize(1);
        assertThat(records.getFirst().path("actor").path("sub").asText()).isEqualTo("repo:org/repo:ref:refs/heads/main");
        assertThat(records.getFirst().path("hash").asText()).hasSize(64);
    }

    @Test
    void filtersAndVerification() {
        List<JsonNode> denied = lines(admin("/audit/records?decision=deny&scope=org/repo", READER));
        assertThat(denied).isNotEmpty().allSatisfy(record -> assertThat(record.path("decision").asText()).isEqualTo("deny"));

        Harness.Response verify = admin("/audit/verify", READER);
        assertThat(verify.status()).isEqualTo(200);
        assertThat(verify.body().path("verified").asBoolean()).isTrue();

        List<String> recorded = harness.records().stream().map(record -> record.path("request_id").asText()).toList();
        List<JsonNode> exported = lines(admin("/audit/export?since=1h", READER));
        assertThat(exported).extracting(record -> record.path("request_id").asText()).containsAll(recorded);
        assertThat(exported).allSatisfy(record -> assertThat(record.path("hash").asText()).matches("[0-9a-f]{64}"));
        assertThat(admin("/audit/records?decision=maybe", READER).status()).isEqualTo(400);
        assertThat(admin("/audit/export", READER).message()).isEqualTo("since is required");
    }

    @Test
    void withoutItsSettingsTheConsoleIsNotThere() {
        assertThat(admin("/console/", READER).status()).isEqualTo(404);
        assertThat(admin("/console/signin", null).status()).isEqualTo(404);
    }

    @Test
    void policyExplainShowsEachCheckToAuditReaders() {
        com.fasterxml.jackson.databind.node.ObjectNode request = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        request.put("policy", """
                issuer: https://token.actions.githubusercontent.com
                subject_pattern: 'repo:org/repo:ref:refs/heads/main'
                permissions:
                  contents: read
                """);
        request.putObject("claims").put("iss", "https://token.actions.githubusercontent.com")
                .put("sub", "repo:org/repo:pull_request").put("aud", "octo-sts.test");
        request.put("domain", "octo-sts.test");
        String body = request.toString();
        Harness.Response explained = harness.send(HttpRequest.newBuilder(harness.adminUri().resolve("/policy/explain"))
                .header("Authorization", "Bearer " + harness.actionsToken(Map.of("sub", READER, "aud", "octo-sts-audit")))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(explained.status()).as(explained.raw().body()).isEqualTo(200);
        assertThat(explained.body().path("verdict").asText()).isEqualTo("deny");
        assertThat(explained.body().path("message").asText()).startsWith("trust policy: subject");
        assertThat(explained.body().path("steps")).anySatisfy(step -> {
            assertThat(step.path("check").asText()).contains("subject");
            assertThat(step.path("passed").asBoolean()).isFalse();
            assertThat(step.path("seen").asText()).isEqualTo("\"repo:org/repo:pull_request\"");
        });
        Harness.Response stranger = harness.send(HttpRequest.newBuilder(harness.adminUri().resolve("/policy/explain"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(stranger.status()).isEqualTo(401);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"/audit/records, audit/query", "/audit/export?since=1h, audit/export",
            "/audit/verify, audit/verify"})
    void everyLedgerReadWithoutATokenIsUnauthenticatedAndRecorded(String path, String scope) {
        Harness.Response response = admin(path, null);

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.code()).isEqualTo(16);
        assertThat(response.message()).isEqualTo("missing or multiple authorization headers");
        assertThat(response.raw().body()).doesNotContain("\"seq\"").doesNotContain("verified");
        JsonNode record = recordOf(response);
        assertThat(record.path("decision").asText()).isEqualTo("deny");
        assertThat(record.path("reason").asText()).isEqualTo("missing_authorization");
        assertThat(record.path("scope").asText()).isEqualTo(scope);
    }

    @Test
    void aTokenMintedForTheExchangeNeverReadsTheLedger() {
        // The readers' policy would match: the subject and audience are a reader's, but the exchange's audience rides along.
        HttpRequest request = HttpRequest.newBuilder(harness.adminUri().resolve("/audit/verify")).GET()
                .header("Authorization", "Bearer " + harness.actionsToken(Map.of("sub", READER,
                        "aud", List.of("octo-sts-audit", Harness.DOMAIN)))).build();
        Harness.Response response = harness.send(request);

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.code()).isEqualTo(7);
        assertThat(response.message()).isEqualTo("the token's audience includes octo-sts.test, the exchange's:"
                + " audit readers need a token minted for the ledger");
        assertThat(recordOf(response).path("reason").asText()).isEqualTo("exchange_audience");
    }

    private static JsonNode recordOf(Harness.Response response) {
        String requestId = response.raw().headers().firstValue("X-Request-Id").orElseThrow();
        return harness.records().stream().filter(record -> record.path("request_id").asText().equals(requestId))
                .findFirst().orElseThrow(() -> new AssertionError("no record of request " + requestId));
    }

    @Test
    void othersAreRefusedAndEveryReadIsRecorded() {
        assertThat(admin("/audit/records", null).status()).isEqualTo(401);
        Harness.Response stranger = admin("/audit/records", "repo:org/repo:ref:refs/heads/main");
        assertThat(stranger.status()).isEqualTo(403);
        assertThat(stranger.body().path("details").isArray()).isTrue();

        admin("/audit/records?subject=someone", READER);
        List<JsonNode> reads = harness.records().stream()
                .filter(record -> record.path("scope").asText().startsWith("audit/")).toList();
        assertThat(reads).anySatisfy(read -> {
            assertThat(read.path("decision").asText()).isEqualTo("allow");
            assertThat(read.path("reason").asText()).isEqualTo("audit_read");
            assertThat(read.path("identity").asText()).isEqualTo("subject=someone");
            assertThat(read.path("actor").path("sub").asText()).isEqualTo(READER);
        });
        assertThat(reads).anySatisfy(read -> {
            assertThat(read.path("decision").asText()).isEqualTo("deny");
            assertThat(read.path("grpc_code").asInt()).isEqualTo(7);
        });
    }

    /** A reader's request the admin listener refuses as malformed: its status, gRPC code and message. */
    record BadRead(String name, String method, String path, String body, int status, int code, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<BadRead> badReads() {
        return Stream.of(
                new BadRead("a limit of zero", "GET", "/audit/records?limit=0", null, 400, 3, "limit must be between 1 and 10000"),
                new BadRead("a limit over the maximum", "GET", "/audit/records?limit=100000000", null, 400, 3, "limit must be between 1 and 10000"),
                new BadRead("a since that is no time", "GET", "/audit/records?since=yesterday-ish", null, 400, 3, "since: 'yesterday-ish' is neither an RFC 3339 time like 2026-11-27T10:00:00Z nor a time back from now like 24h or 7d"),
                new BadRead("an until that is no time", "GET", "/audit/export?since=1h&until=soon", null, 400, 3, "until: 'soon' is neither an RFC 3339 time like 2026-11-27T10:00:00Z nor a time back from now like 24h or 7d"),
                new BadRead("an unknown decision", "GET", "/audit/records?decision=maybe", null, 400, 3, "decision: must be allow, deny, error or revoke"),
                new BadRead("an explain body that is not JSON", "POST", "/policy/explain", "policy: x", 400, 3,
                        "the body must be JSON"),
                new BadRead("an explain body without claims", "POST", "/policy/explain", "{\"policy\":\"issuer: x\"}", 400, 3,
                        "the body must hold policy (YAML text) and claims (an object)"),
                new BadRead("no such admin route", "GET", "/audit/nothing", null, 404, 5, "Not Found"),
                new BadRead("the admin listener's root", "GET", "/", null, 404, 5, "Not Found"),
                new BadRead("an unknown path", "GET", "/foo", null, 404, 5, "Not Found"),
                new BadRead("the public listener's health path", "GET", "/observe/health", null, 404, 5, "Not Found"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badReads")
    void malformedReadsAreInvalidArgumentWithAClearMessage(BadRead row) {
        HttpRequest.Builder request = HttpRequest.newBuilder(harness.adminUri().resolve(row.path()))
                .header("Authorization", "Bearer " + harness.actionsToken(Map.of("sub", READER, "aud", "octo-sts-audit")));
        request.method(row.method(), row.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(row.body()));

        Harness.Response response = harness.send(request.build());

        assertThat(response.status()).as("body %s", response.raw().body()).isEqualTo(row.status());
        assertThat(response.code()).isEqualTo(row.code());
        assertThat(response.message()).isEqualTo(row.message());
    }

    @Test
    void explainSaysWhyAPolicyIsInvalidAndWhereAndWhatAValidOneGrants() {
        String bearer = "Bearer " + harness.actionsToken(Map.of("sub", READER, "aud", "octo-sts-audit"));
        com.fasterxml.jackson.databind.node.ObjectNode invalid = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        invalid.put("policy", "issuer: https://token.actions.githubusercontent.com\nsubject_pattern: ')('\n");
        invalid.putObject("claims");
        Harness.Response refused = harness.send(HttpRequest.newBuilder(harness.adminUri().resolve("/policy/explain"))
                .header("Authorization", bearer).POST(HttpRequest.BodyPublishers.ofString(invalid.toString())).build());
        assertThat(refused.status()).isEqualTo(200);
        assertThat(refused.body().path("valid").asBoolean()).isFalse();
        assertThat(refused.body().path("problem").asText()).startsWith("error parsing regexp: ");
        assertThat(refused.body().has("line")).as("a pattern error names no line").isFalse();
        invalid.put("policy", "issuer: https://token.actions.githubusercontent.com\nsubject: s\nsubjects: [s]\n");
        Harness.Response unknownField = harness.send(HttpRequest.newBuilder(harness.adminUri().resolve("/policy/explain"))
                .header("Authorization", bearer).POST(HttpRequest.BodyPublishers.ofString(invalid.toString())).build());
        assertThat(unknownField.body().path("valid").asBoolean()).isFalse();
        assertThat(unknownField.body().path("problem").asText()).contains("unknown field \"subjects\"");

        com.fasterxml.jackson.databind.node.ObjectNode valid = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        valid.put("policy", "issuer: https://token.actions.githubusercontent.com\nsubject: repo:org/repo:ref:refs/heads/main\n"
                + "permissions:\n  contents: read\n  issues: write\n");
        valid.putObject("claims").put("iss", "https://token.actions.githubusercontent.com")
                .put("sub", "repo:org/repo:ref:refs/heads/main").put("aud", "octo-sts.test");
        valid.put("domain", "octo-sts.test");
        Harness.Response allowed = harness.send(HttpRequest.newBuilder(harness.adminUri().resolve("/policy/explain"))
                .header("Authorization", bearer).POST(HttpRequest.BodyPublishers.ofString(valid.toString())).build());
        assertThat(allowed.status()).isEqualTo(200);
        assertThat(allowed.body().path("valid").asBoolean()).isTrue();
        assertThat(allowed.body().path("verdict").asText()).isEqualTo("allow");
        assertThat(allowed.body().path("message").asText()).isEmpty();
        assertThat(allowed.body().path("permissions")).isEqualTo(Harness.json("{\"contents\":\"read\",\"issues\":\"write\"}"));
        assertThat(allowed.body().path("steps")).isNotEmpty().allSatisfy(step -> assertThat(step.path("passed").asBoolean()).isTrue());
    }
}
