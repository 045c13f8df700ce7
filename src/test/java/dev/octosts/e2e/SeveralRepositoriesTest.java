package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.dev.GitHubSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One token for several repositories of one owner: every repository's own policy is read and must allow the
 * token, and the token covers exactly those repositories with, per permission, the lowest level all the
 * policies grant. Asserted on the request GitHub received, the answer and the ledger record.
 */
class SeveralRepositoriesTest {
    static final String TOOL = "repo:org/tool:ref:refs/heads/main";
    static final String POLICY_A = policy(TOOL, "contents: write", "issues: write", "pull_requests: read");
    static final String POLICY_B = policy(TOOL, "contents: read", "issues: write", "statuses: read");
    static final String POLICY_OTHER_SUBJECT = policy("repo:org/other:ref:refs/heads/main", "contents: read");
    static final String POLICY_ACTIONS_ONLY = policy(TOOL, "actions: read");
    private static Harness harness;

    static String policy(String subject, String... permissions) {
        return "issuer: https://token.actions.githubusercontent.com\nsubject: " + subject + "\npermissions:\n"
                + Stream.of(permissions).map(p -> "  " + p + "\n").collect(Collectors.joining());
    }

    @BeforeAll
    static void start() {
        harness = new Harness();
        harness.install(0, "org");
        for (String repo : List.of("a", "b", "c", "d", "e", ".github")) {
            harness.github.createRepository("org", repo);
        }
        harness.install(0, "elsewhere");
        harness.putFile("org/a/.github/chainguard/ci.sts.yaml", POLICY_A);
        harness.putFile("org/b/.github/chainguard/ci.sts.yaml", POLICY_B);
        harness.putFile("org/c/.github/chainguard/ci.sts.yaml", POLICY_OTHER_SUBJECT);
        harness.putFile("org/e/.github/chainguard/ci.sts.yaml", POLICY_ACTIONS_ONLY);
        harness.putFile("elsewhere/repo/.github/chainguard/ci.sts.yaml", POLICY_A);
        harness.start();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @BeforeEach
    void forgetCalls() {
        harness.github.clearCalls();
    }

    static String token() {
        return harness.actionsToken(Map.of("sub", TOOL, "aud", Harness.DOMAIN));
    }

    static Supplier<HttpRequest> query(String query) {
        return () -> HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange?" + query))
                .header("Authorization", "Bearer " + token()).GET().build();
    }

    static Supplier<HttpRequest> post(String contentType, String body) {
        return () -> HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange"))
                .header("Authorization", "Bearer " + token()).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static Stream<Supplier<HttpRequest>> twoRepositories() {
        return Stream.of(query("scopes=org/a&scopes=org/b&identity=ci"),
                post("application/x-www-form-urlencoded", "scopes=org%2Fa&scopes=org%2Fb&identity=ci"),
                post("application/json", "{\"scopes\":[\"org/a\",\"org/b\"],\"identity\":\"ci\"}"),
                // A repeated scope counts once; the deprecated scope is ignored when scopes are given.
                query("scope=org/zzz&scopes=org/a&scopes=org/b&scopes=org/a&identity=ci"));
    }

    @ParameterizedTest
    @MethodSource("twoRepositories")
    void oneTokenCoversExactlyTheRepositoriesWithTheLowestCommonLevels(Supplier<HttpRequest> request) {
        Harness.Response response = harness.send(request.get());

        assertThat(response.status()).as("body %s", response.body()).isEqualTo(200);
        String token = response.body().path("token").asText();
        assertThat(harness.tokenRequests().getLast()).isEqualTo(Harness.json(
                "{\"repositories\":[\"a\",\"b\"],\"permissions\":{\"contents\":\"read\",\"issues\":\"write\"}}"));
        GitHubSimulator.IssuedToken issued = harness.github.issuedTokens().stream()
                .filter(t -> t.token().equals(token)).findFirst().orElseThrow();
        assertThat(issued.repositories()).containsExactly("a", "b");
        assertThat(issued.permissions()).isEqualTo(Map.of("contents", "read", "issues", "write"));

        JsonNode record = harness.lastRecord();
        assertThat(record.path("reason").asText()).isEqualTo("issued");
        assertThat(record.path("scope").asText()).isEqualTo("org/a");
        assertThat(record.path("issued").path("token_sha256").asText()).isEqualTo(Harness.sha256Hex(token));
        assertThat(record.path("issued").path("repositories")).isEqualTo(Harness.json("[\"a\",\"b\"]"));
        JsonNode grant = record.path("grant");
        assertThat(grant.path("scopes")).isEqualTo(Harness.json("[\"org/a\",\"org/b\"]"));
        assertThat(grant.path("repositories")).isEqualTo(Harness.json("[\"a\",\"b\"]"));
        assertThat(grant.path("permissions")).isEqualTo(Harness.json("{\"contents\":\"read\",\"issues\":\"write\"}"));
        assertThat(grant.path("requested_permissions").isNull()).isTrue();
        assertThat(grant.path("policies")).hasSize(2);
        assertThat(grant.path("policies").get(0).path("repo").asText()).isEqualTo("a");
        assertThat(grant.path("policies").get(0).path("path").asText()).isEqualTo(".github/chainguard/ci.sts.yaml");
        assertThat(grant.path("policies").get(0).path("sha256").asText()).isEqualTo(Harness.sha256Hex(POLICY_A));
        assertThat(grant.path("policies").get(1).path("repo").asText()).isEqualTo("b");
        assertThat(grant.path("policies").get(1).path("sha256").asText()).isEqualTo(Harness.sha256Hex(POLICY_B));
    }

    @Test
    void oneRepositoryIsOctoStsAndItsRecordHasNoGrant() {
        Harness.Response response = harness.send(query("scopes=org/a&scopes=org/a&identity=ci").get());

        assertThat(response.status()).as("body %s", response.body()).isEqualTo(200);
        assertThat(harness.tokenRequests().getLast()).isEqualTo(Harness.json(
                "{\"repositories\":[\"a\"],\"permissions\":{\"contents\":\"write\",\"issues\":\"write\","
                        + "\"pull_requests\":\"read\"}}"));
        assertThat(harness.lastRecord().has("grant")).isFalse();
    }

    static Stream<Refused> refused() {
        String hundredAndOne = IntStream.rangeClosed(1, 101).mapToObj(i -> "scopes=org/r" + i)
                .collect(Collectors.joining("&"));
        return Stream.of(
                new Refused("owners differ", query("scopes=org/a&scopes=elsewhere/repo&identity=ci"),
                        400, 3, "scopes must name repositories of one owner", "scopes_owners_differ"),
                new Refused("an organization among several scopes", query("scopes=org/a&scopes=org&identity=ci"),
                        400, 3, "several scopes must each name a repository (owner/repo), not an organization",
                        "scopes_not_repositories"),
                new Refused("101 repositories", query(hundredAndOne + "&identity=ci"),
                        400, 3, "at most 100 repositories per request", "too_many_scopes"),
                new Refused("one repository's policy refuses the token", query("scopes=org/a&scopes=org/c&identity=ci"),
                        403, 7, "repository \"org/c\": trust policy: subject \"" + TOOL
                        + "\" did not match \"repo:org/other:ref:refs/heads/main\"", "subject_mismatch"),
                new Refused("one repository has no policy", query("scopes=org/a&scopes=org/d&identity=ci"),
                        404, 5, "repository \"org/d\": unable to find trust policy for \"ci\"", "policy_not_found"),
                new Refused("the policies share no permission", query("scopes=org/a&scopes=org/e&identity=ci"),
                        403, 7, "the trust policies of these repositories grant no permission in common",
                        "no_common_permissions"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusedWithoutAToken(Refused row) {
        row.assertRefusedWithoutToken(harness);
    }

    /** A request naming thousands of scopes is refused, and its record keeps 100 of them and a count. */
    @Test
    void aFloodOfScopesDoesNotChooseTheRecordsSize() {
        String thousands = IntStream.rangeClosed(1, 1_000).mapToObj(i -> "scopes=org/r" + i).collect(Collectors.joining("&"));

        Harness.Response response = harness.send(post("application/x-www-form-urlencoded", thousands + "&identity=ci").get());

        assertThat(response.status()).isEqualTo(400);
        JsonNode scopes = harness.lastRecord().path("grant").path("scopes");
        assertThat(scopes).hasSize(101);
        assertThat(scopes.get(99).asText()).isEqualTo("org/r100");
        assertThat(scopes.get(100).asText()).isEqualTo("… 900 more");
    }

    @Test
    void refusalsBeforeAuthenticationCostNoGitHubCall() {
        Harness.Response response = harness.send(query("scopes=org/a&scopes=elsewhere/repo&identity=ci").get());

        assertThat(response.status()).isEqualTo(400);
        assertThat(harness.lastRecord().path("reason").asText()).isEqualTo("scopes_owners_differ");
        assertThat(harness.github.calls()).isEmpty();
    }

    @Test
    void theRefusingRepositorysPolicyIsTheRecordsPolicy() {
        harness.send(query("scopes=org/a&scopes=org/c&identity=ci").get());

        JsonNode record = harness.lastRecord();
        assertThat(record.path("policy").path("repo").asText()).isEqualTo("c");
        assertThat(record.path("grant").path("policies")).extracting(policy -> policy.path("owner").asText() + "/"
                + policy.path("repo").asText()).containsExactly("org/a", "org/c");
        assertThat(record.path("grant").path("permissions").isNull()).isTrue();
    }
}
