package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.cli.AuditCommand;
import dev.octosts.dev.GitHubSimulator.IssuedToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code DELETE /sts/token} through HTTP against the GitHub simulator and PostgreSQL: a live grant is
 * revoked at GitHub (which then refuses the token) and recorded; a token the service never issued is 404
 * without a GitHub call; one already revoked or expired is 204 without one; every request is a record.
 */
class RevocationTest {
    private static final String MAIN = "repo:org/repo:ref:refs/heads/main";
    private static final String POLICY_PATH = ".github/chainguard/ci.sts.yaml";
    private Harness harness;

    @BeforeEach
    void start() {
        harness = new Harness();
        harness.installWithMainBranchPolicy("ci");
        harness.start();
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void aLiveGrantIsRevokedAtGitHubAndBothRecordsAreFoundByTheTokensHash() throws Exception {
        String token = exchange();
        String sha256 = Harness.sha256Hex(token);
        assertThat(readPolicyWith(token)).isEqualTo(200);
        JsonNode grant = harness.lastRecord();

        Harness.Response revoked = revoke("Bearer " + token);

        assertThat(revoked.status()).isEqualTo(204);
        assertThat(revoked.raw().body()).isEmpty();
        assertThat(issued(token).revoked()).isTrue();
        assertThat(readPolicyWith(token)).isEqualTo(401);
        JsonNode record = harness.lastRecord();
        assertThat(record.get("decision").textValue()).isEqualTo("revoke");
        assertThat(record.get("reason").textValue()).isEqualTo("revoked");
        assertThat(record.get("grpc_code").intValue()).isZero();
        assertThat(record.get("scope").textValue()).isEqualTo("org/repo");
        assertThat(record.get("identity").textValue()).isEqualTo("ci");
        assertThat(record.get("issued").isNull()).isTrue();
        assertThat(record.get("revocation").get("token_sha256").textValue()).isEqualTo(sha256);
        assertThat(record.get("revocation").get("grant_chain_id").textValue()).isEqualTo(grant.get("chain_id").textValue());
        assertThat(record.get("revocation").get("grant_seq").longValue()).isEqualTo(grant.get("seq").longValue());
        assertThat(record.get("revocation").get("expires_at").textValue())
                .isEqualTo(grant.get("issued").get("expires_at").textValue());
        assertThat(record.toString()).doesNotContain(token);

        List<JsonNode> found = auditQuery("--token-sha256", sha256);
        assertThat(found).extracting(row -> row.get("decision").textValue() + " " + row.get("reason").textValue())
                .containsExactly("revoke revoked", "allow issued");
        assertThat(audit("--token-sha256", sha256)).hasSize(3).allSatisfy(line -> assertThat(line).contains(
                line.startsWith("TIME") ? "TOKEN SHA-256" : sha256));
    }

    @Test
    void aTokenRevokedBeforeThroughTheServiceEndsWithoutAGitHubCall() throws Exception {
        String token = exchange();
        assertThat(revoke("Bearer " + token).status()).isEqualTo(204);
        long calls = harness.github.callCount();

        Harness.Response again = revoke("bearer " + token);

        assertThat(again.status()).isEqualTo(204);
        assertThat(harness.github.callCount()).isEqualTo(calls);
        assertThat(harness.lastRecord().get("decision").textValue()).isEqualTo("revoke");
        assertThat(harness.lastRecord().get("reason").textValue()).isEqualTo("already_ended");
        assertThat(auditQuery("--token-sha256", Harness.sha256Hex(token)))
                .extracting(row -> row.get("decision").textValue() + " " + row.get("reason").textValue())
                .containsExactly("revoke already_ended", "revoke revoked", "allow issued");
    }

    @Test
    void anExpiredTokenEndsWithoutAGitHubCall() throws Exception {
        String token = exchange();
        harness.clock.advance(Duration.ofHours(2));
        long calls = harness.github.callCount();

        Harness.Response expired = revoke("Bearer " + token);

        assertThat(expired.status()).isEqualTo(204);
        assertThat(harness.github.callCount()).isEqualTo(calls);
        assertThat(harness.lastRecord().get("reason").textValue()).isEqualTo("already_ended");
        assertThat(harness.lastRecord().get("detail").textValue()).startsWith("expired at ");
        assertThat(issued(token).revoked()).isFalse();
    }

    @Test
    void aTokenRevokedStraightAtGitHubIsRecordedAsEnded() throws Exception {
        String token = exchange();
        HttpRequest direct = HttpRequest.newBuilder(harness.github.baseUrl().resolve("/installation/token"))
                .header("Authorization", "token " + token).DELETE().build();
        assertThat(harness.send(direct).status()).isEqualTo(204);

        Harness.Response ended = revoke("Bearer " + token);

        assertThat(ended.status()).isEqualTo(204);
        assertThat(harness.lastRecord().get("reason").textValue()).isEqualTo("already_ended");
        assertThat(harness.lastRecord().get("detail").textValue()).isEqualTo("GitHub no longer accepts the token");
    }

    @Test
    void aTokenNeverIssuedIsNotFoundWithoutAGitHubCall() throws Exception {
        String stranger = "ghs_" + "A".repeat(36);
        long calls = harness.github.callCount();

        Harness.Response notIssued = revoke("Bearer " + stranger);

        assertThat(notIssued.status()).isEqualTo(404);
        assertThat(notIssued.code()).isEqualTo(5);
        assertThat(notIssued.message()).isEqualTo("token not issued by this service");
        assertThat(harness.github.callCount()).isEqualTo(calls);
        JsonNode record = harness.lastRecord();
        assertThat(record.get("decision").textValue()).isEqualTo("revoke");
        assertThat(record.get("reason").textValue()).isEqualTo("not_issued");
        assertThat(record.get("scope").textValue()).isEmpty();
        assertThat(record.get("revocation").get("token_sha256").textValue()).isEqualTo(Harness.sha256Hex(stranger));
        assertThat(record.get("revocation").get("grant_chain_id").isNull()).isTrue();
        assertThat(auditQuery("--token-sha256", Harness.sha256Hex(stranger))).hasSize(1);
    }

    @Test
    void anAuthorizationThatIsNotOneBearerTokenIsRefusedAndRecorded() {
        long calls = harness.github.callCount();
        int records = harness.records().size();

        assertThat(revoke(null).status()).isEqualTo(401);
        assertThat(revoke("Basic dXNlcjpwYXNz").status()).isEqualTo(400);
        assertThat(revoke("Bearer " + "a".repeat(257)).status()).isEqualTo(400);
        Harness.Response spaces = revoke("Bearer two words");
        assertThat(spaces.status()).isEqualTo(400);
        assertThat(spaces.message()).isEqualTo("the token to revoke is not a GitHub token");

        assertThat(harness.github.callCount()).isEqualTo(calls);
        List<JsonNode> refused = harness.records().subList(records, records + 4);
        assertThat(refused).extracting(record -> record.get("reason").textValue())
                .containsExactly("missing_authorization", "malformed_request", "malformed_request", "malformed_request");
        assertThat(refused).allSatisfy(record -> {
            assertThat(record.get("decision").textValue()).isEqualTo("deny");
            assertThat(record.has("revocation")).isFalse();
        });
    }

    @Test
    void revocationsSpendTheClientAddressBudget() {
        harness.close();
        harness = new Harness();
        harness.installWithMainBranchPolicy("ci");
        harness.env.put("RATE_LIMIT_PER_ADDRESS", "1");
        harness.env.put("RATE_LIMITED_RECORDS", "1");
        harness.start();
        long calls = harness.github.callCount();

        // A burst of two per address; twenty in a row outrun a refill of one a second on any machine.
        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            statuses.add(revoke("Bearer ghs_" + "B".repeat(36)).status());
        }

        // Two unknown tokens answered from the burst, then the budget is spent; a refill may let one more through.
        assertThat(statuses).startsWith(404, 404, 429).containsOnly(404, 429);
        assertThat(harness.github.callCount()).isEqualTo(calls);
        assertThat(harness.records()).extracting(record -> record.get("decision").textValue() + " "
                + record.get("reason").textValue())
                .startsWith("revoke not_issued", "revoke not_issued", "error rate_limited")
                .containsOnly("revoke not_issued", "error rate_limited");
    }

    private String exchange() {
        Harness.Response response = harness.get(harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN)),
                Map.of("scope", "org/repo", "identity", "ci"));
        assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
        return response.body().get("token").textValue();
    }

    private Harness.Response revoke(String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(harness.baseUri().resolve("/sts/token"))
                .timeout(Duration.ofSeconds(30)).DELETE();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return harness.send(request.build());
    }

    private IssuedToken issued(String token) {
        return harness.github.issuedTokens().stream().filter(t -> t.token().equals(token)).findFirst().orElseThrow();
    }

    /** What GitHub answers when the token reads the policy file it was minted to read. */
    private int readPolicyWith(String token) {
        return harness.send(HttpRequest.newBuilder(harness.github.baseUrl().resolve(
                        "/repos/org/repo/contents/" + POLICY_PATH))
                .header("Authorization", "token " + token).GET().build()).status();
    }

    /** {@code octo-sts audit query ARGS --format json}, as the runtime login: one record a line. */
    private List<JsonNode> auditQuery(String... args) {
        return audit(concat(args, "--format", "json")).stream().map(Harness::json).toList();
    }

    /** {@code octo-sts audit query ARGS ...}: what it printed, line by line. */
    private List<String> audit(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cli = new CommandLine(new AuditCommand(Map.of("DATABASE_URL", harness.databaseUrl),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        int exit = cli.execute(concat(new String[] {"query"}, args));
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static String[] concat(String[] first, String... rest) {
        String[] all = java.util.Arrays.copyOf(first, first.length + rest.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }
}
