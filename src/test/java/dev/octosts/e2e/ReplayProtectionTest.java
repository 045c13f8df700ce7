package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.cli.Application;
import dev.octosts.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code EXCHANGE_REPLAY_PROTECTION=true} through HTTP, with two service processes' worth of servers on one
 * PostgreSQL database (each its own Application: listener, caches, ledger chain; they share only the
 * database, GitHub and the issuer): a token exchanged on one replica is refused on the other, per scope and
 * identity, and every refusal is recorded.
 */
class ReplayProtectionTest {
    private static final String MAIN = "repo:org/repo:ref:refs/heads/main";
    private Harness harness;
    private Application replica;

    @AfterEach
    void stop() {
        if (replica != null) {
            replica.close();
        }
        harness.close();
    }

    @Test
    void aTokenExchangedOnOneReplicaIsRefusedOnTheOther() throws Exception {
        startWithProtection(true);
        String token = harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN, "jti", "run-1-attempt-1"));

        Harness.Response first = exchange(harness.baseUri(), token, "ci");
        Harness.Response replayed = exchange(replicaUri(), token, "ci");
        Harness.Response replayedHere = exchange(harness.baseUri(), token, "ci");

        assertThat(first.status()).as(first.raw().body()).isEqualTo(200);
        assertThat(replayed.status()).isEqualTo(409);
        assertThat(replayed.code()).isEqualTo(6);
        assertThat(replayed.message()).isEqualTo("token already exchanged for this scope and identity");
        assertThat(replayedHere.status()).isEqualTo(409);
        // One token left GitHub for the caller (the others read policies and were revoked): the replays stopped
        // before the mint.
        assertThat(harness.github.issuedTokens()).filteredOn(issued -> !issued.revoked()).hasSize(1);
        List<JsonNode> refused = harness.records().stream()
                .filter(record -> record.get("reason").textValue().equals("token_replayed")).toList();
        assertThat(refused).hasSize(2);
        assertThat(refused).allSatisfy(record -> {
            assertThat(record.get("decision").textValue()).isEqualTo("deny");
            assertThat(record.get("grpc_code").intValue()).isEqualTo(6);
            assertThat(record.get("actor").get("jti").textValue()).isEqualTo("run-1-attempt-1");
            assertThat(record.get("issued").isNull()).isTrue();
        });
        // Recorded by each replica in its own chain.
        assertThat(refused).extracting(record -> record.get("chain_id").textValue()).doesNotHaveDuplicates();
        assertThat(count("SELECT count(*) FROM oidc_token_use")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM oidc_token_use WHERE expires_at > now()")).isEqualTo(1);
    }

    @Test
    void aTokenMayBeUsedOncePerScopeAndIdentity() {
        startWithProtection(true);
        harness.putFile("org/repo/.github/chainguard/deploy.sts.yaml", Harness.MAIN_BRANCH_POLICY);
        String token = harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN, "jti", "run-2"));

        assertThat(exchange(harness.baseUri(), token, "ci").status()).isEqualTo(200);
        assertThat(exchange(replicaUri(), token, "deploy").status()).isEqualTo(200);
        assertThat(exchange(replicaUri(), token, "deploy").status()).isEqualTo(409);
        // Another token of the same job (a new jti) is a first use.
        String next = harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN, "jti", "run-2-b"));
        assertThat(exchange(replicaUri(), next, "ci").status()).isEqualTo(200);
    }

    /** Several repositories are one use: the same set in another order is a replay, another set is not. */
    @Test
    void severalRepositoriesAreOneUseWhateverTheirOrder() {
        startWithProtection(true);
        harness.github.createRepository("org", "lib");
        harness.github.createRepository("org", "docs");
        harness.putFile("org/lib/.github/chainguard/ci.sts.yaml", Harness.MAIN_BRANCH_POLICY);
        harness.putFile("org/docs/.github/chainguard/ci.sts.yaml", Harness.MAIN_BRANCH_POLICY);
        String token = harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN, "jti", "run-5"));

        assertThat(exchange(harness.baseUri(), token, "scopes=org/repo&scopes=org/lib").status()).isEqualTo(200);
        assertThat(exchange(replicaUri(), token, "scopes=org/lib&scopes=org/repo").status()).isEqualTo(409);
        assertThat(exchange(replicaUri(), token, "scopes=org/repo&scopes=org/docs").status()).isEqualTo(200);
        assertThat(exchange(replicaUri(), token, "scope=org/repo").status()).isEqualTo(200);
    }

    /** Another spelling of the same repository (Go's path rules read all these as org/repo) is the same use. */
    @Test
    void anotherSpellingOfTheRepositoryIsTheSameUse() {
        startWithProtection(true);
        String token = harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN, "jti", "run-6"));

        assertThat(exchange(harness.baseUri(), token, "ci").status()).isEqualTo(200);
        for (String spelling : List.of("org//repo", "org/./repo", "./org/repo", "org/x/../repo")) {
            assertThat(exchange(replicaUri(), token, "scope=" + spelling).status()).as(spelling).isEqualTo(409);
        }
    }

    /**
     * A token without jti with its signature written another way (the last base64url character of an RS256
     * signature has four bits nobody checks) is the same token.
     */
    @Test
    void aTokenWithoutJtiIsTheSameTokenWhateverItsSignatureText() {
        startWithProtection(true);
        String token = harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN));
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char last = token.charAt(token.length() - 1);
        String rewritten = token.substring(0, token.length() - 1) + alphabet.charAt(alphabet.indexOf(last) ^ 1);

        assertThat(exchange(harness.baseUri(), token, "ci").status()).isEqualTo(200);
        Harness.Response again = exchange(replicaUri(), rewritten, "ci");
        assertThat(again.status()).as(again.raw().body()).isEqualTo(409);
    }

    /** A token whose issuer wrote an exp in year 9999 is remembered for a month, not forever (nor refused). */
    @Test
    void aTokenValidForeverIsRememberedForAMonth() {
        startWithProtection(true);
        String token = harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN, "jti", "run-9",
                "exp", 253_402_300_799L));

        Harness.Response first = exchange(harness.baseUri(), token, "ci");
        assertThat(first.status()).as(first.raw().body()).isEqualTo(200);
        assertThat(exchange(replicaUri(), token, "ci").status()).isEqualTo(409);
        assertThat(count("SELECT count(*) FROM oidc_token_use WHERE expires_at <= now() + interval '31 days'"))
                .isEqualTo(1);
    }

    @Test
    void aTokenWithoutJtiIsKnownByItsHash() {
        startWithProtection(true);
        String token = harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN));
        String other = harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN, "nonce", "other"));

        assertThat(exchange(replicaUri(), token, "ci").status()).isEqualTo(200);
        assertThat(exchange(harness.baseUri(), token, "ci").status()).isEqualTo(409);
        assertThat(exchange(harness.baseUri(), other, "ci").status()).isEqualTo(200);
    }

    /** A refusal before the mint (here: the policy refuses the branch) remembers nothing: a retry is answered the same. */
    @Test
    void aRefusalBeforeTheMintDoesNotSpendTheToken() {
        startWithProtection(true);
        String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/feature", "aud",
                Harness.DOMAIN, "jti", "run-3"));

        assertThat(exchange(harness.baseUri(), token, "ci").status()).isEqualTo(403);
        assertThat(exchange(replicaUri(), token, "ci").status()).isEqualTo(403);
        assertThat(count("SELECT count(*) FROM oidc_token_use")).isZero();
    }

    @Test
    void offByDefaultATokenMayBeExchangedAgain() {
        startWithProtection(false);
        String token = harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN, "jti", "run-4"));

        assertThat(exchange(harness.baseUri(), token, "ci").status()).isEqualTo(200);
        assertThat(exchange(replicaUri(), token, "ci").status()).isEqualTo(200);
        assertThat(exchange(harness.baseUri(), token, "ci").status()).isEqualTo(200);
        assertThat(count("SELECT count(*) FROM oidc_token_use")).isZero();
    }

    private void startWithProtection(boolean on) {
        harness = new Harness();
        harness.installWithMainBranchPolicy("ci");
        if (on) {
            harness.env.put("EXCHANGE_REPLAY_PROTECTION", "true");
        }
        harness.start();
        // The second process: built from the same settings, nothing in common with the first but the database.
        replica = Application.start(Settings.fromEnvironment(harness.env), Clock.systemUTC());
    }

    private URI replicaUri() {
        return URI.create("http://127.0.0.1:" + replica.server().port());
    }

    private Harness.Response exchange(URI service, String token, String identityOrScopes) {
        String query = identityOrScopes.contains("scope") ? identityOrScopes + "&identity=ci"
                : "scope=org/repo&identity=" + identityOrScopes;
        return harness.send(HttpRequest.newBuilder(service.resolve("/sts/exchange?" + query))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).GET().build());
    }

    private long count(String query) {
        try (Connection connection = DriverManager.getConnection(harness.ownerUrl);
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
