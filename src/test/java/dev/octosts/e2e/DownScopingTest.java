package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The caller asks for fewer permissions (and, for an org scope, fewer repositories) than the policy grants:
 * the token is minted with exactly what was asked, and asking for more is refused naming what was too much.
 */
class DownScopingTest {
    static final String TOOL = SeveralRepositoriesTest.TOOL;
    static final String REPO_POLICY = SeveralRepositoriesTest.policy(TOOL, "contents: write", "issues: write");
    static final String OTHER_POLICY = SeveralRepositoriesTest.policy(TOOL, "contents: read", "issues: write");
    static final String ORG_POLICY = SeveralRepositoriesTest.policy(TOOL, "contents: read", "pull_requests: write")
            + "repositories:\n  - a\n  - b\n";
    private static Harness harness;

    @BeforeAll
    static void start() {
        harness = new Harness();
        harness.install(0, "org");
        for (String repo : List.of("a", "b", "c", ".github")) {
            harness.github.createRepository("org", repo);
        }
        harness.putFile("org/a/.github/chainguard/ci.sts.yaml", REPO_POLICY);
        harness.putFile("org/b/.github/chainguard/ci.sts.yaml", OTHER_POLICY);
        harness.putFile("org/.github/.github/chainguard/ci.sts.yaml", ORG_POLICY);
        // An org policy without repositories grants every repository: any of them may be asked for.
        harness.putFile("org/.github/.github/chainguard/all.sts.yaml",
                SeveralRepositoriesTest.policy(TOOL, "contents: read"));
        harness.start();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    static Supplier<HttpRequest> query(String query) {
        return () -> HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange?" + query))
                .header("Authorization", "Bearer " + harness.actionsToken(Map.of("sub", TOOL, "aud", Harness.DOMAIN)))
                .GET().build();
    }

    static Supplier<HttpRequest> json(String body) {
        return () -> HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange"))
                .header("Authorization", "Bearer " + harness.actionsToken(Map.of("sub", TOOL, "aud", Harness.DOMAIN)))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** A narrowed request, what GitHub must be asked for, and what the record keeps as requested. */
    record Narrowed(String name, Supplier<HttpRequest> request, String tokenRequest, String requestedPermissions,
                    String requestedRepositories) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Narrowed> narrowed() {
        return Stream.of(
                new Narrowed("a lower level, in the query", query("scope=org/a&identity=ci&permissions=contents:read"),
                        "{\"repositories\":[\"a\"],\"permissions\":{\"contents\":\"read\"}}",
                        "{\"contents\":\"read\"}", "null"),
                new Narrowed("two permissions, in a form body", () -> HttpRequest.newBuilder(
                                harness.baseUri().resolve("/sts/exchange"))
                        .header("Authorization", "Bearer " + harness.actionsToken(Map.of("sub", TOOL, "aud", Harness.DOMAIN)))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "scope=org%2Fa&identity=ci&permissions=issues%3Awrite%2Ccontents%3Aread")).build(),
                        "{\"repositories\":[\"a\"],\"permissions\":{\"issues\":\"write\",\"contents\":\"read\"}}",
                        "{\"issues\":\"write\",\"contents\":\"read\"}", "null"),
                new Narrowed("one permission, in a JSON body",
                        json("{\"scope\":\"org/a\",\"identity\":\"ci\",\"permissions\":{\"issues\":\"write\"}}"),
                        "{\"repositories\":[\"a\"],\"permissions\":{\"issues\":\"write\"}}",
                        "{\"issues\":\"write\"}", "null"),
                new Narrowed("an org policy's repositories", query("scope=org&identity=ci&repositories=b"),
                        "{\"repositories\":[\"b\"],\"permissions\":{\"contents\":\"read\",\"pull_requests\":\"write\"}}",
                        "null", "[\"b\"]"),
                new Narrowed("some repositories of an org policy that grants all", query("scope=org&identity=all"
                                + "&repositories=c&repositories=a"),
                        "{\"repositories\":[\"c\",\"a\"],\"permissions\":{\"contents\":\"read\"}}",
                        "null", "[\"c\",\"a\"]"),
                new Narrowed("repositories and permissions, in a JSON body", json("{\"scope\":\"org\",\"identity\":\"ci\","
                                + "\"repositories\":[\"a\"],\"permissions\":{\"pull_requests\":\"read\"}}"),
                        "{\"repositories\":[\"a\"],\"permissions\":{\"pull_requests\":\"read\"}}",
                        "{\"pull_requests\":\"read\"}", "[\"a\"]"),
                new Narrowed("several repositories, narrowed below their common grant",
                        query("scopes=org/a&scopes=org/b&identity=ci&permissions=issues:read"),
                        "{\"repositories\":[\"a\",\"b\"],\"permissions\":{\"issues\":\"read\"}}",
                        "{\"issues\":\"read\"}", "null"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("narrowed")
    void theTokenIsMintedWithExactlyWhatWasAsked(Narrowed row) {
        Harness.Response response = harness.send(row.request().get());

        assertThat(response.status()).as("body %s", response.body()).isEqualTo(200);
        assertThat(harness.tokenRequests().getLast()).isEqualTo(Harness.json(row.tokenRequest()));
        JsonNode record = harness.lastRecord();
        JsonNode asked = Harness.json(row.tokenRequest());
        assertThat(record.path("issued").path("token_sha256").asText())
                .isEqualTo(Harness.sha256Hex(response.body().path("token").asText()));
        assertThat(record.path("issued").path("permissions")).isEqualTo(asked.path("permissions"));
        assertThat(record.path("grant").path("requested_permissions")).isEqualTo(Harness.json(row.requestedPermissions()));
        assertThat(record.path("grant").path("requested_repositories")).isEqualTo(Harness.json(row.requestedRepositories()));
        assertThat(record.path("grant").path("permissions")).isEqualTo(asked.path("permissions"));
        assertThat(record.path("grant").path("repositories")).isEqualTo(asked.path("repositories"));
    }

    static Stream<Refused> refused() {
        String malformed = "permissions must be name:level pairs separated by commas, e.g. contents:read,issues:write";
        return Stream.of(
                new Refused("a higher level than the policy grants", query("scope=org/a&identity=ci&permissions=contents:admin"),
                        403, 7, "requested permission contents:admin is more than the trust policy grants",
                        "permission_not_granted"),
                new Refused("a permission the policy does not grant",
                        json("{\"scope\":\"org/a\",\"identity\":\"ci\",\"permissions\":{\"contents\":\"read\",\"actions\":\"read\"}}"),
                        403, 7, "requested permission actions:read is more than the trust policy grants",
                        "permission_not_granted"),
                new Refused("more than several repositories grant in common",
                        query("scopes=org/a&scopes=org/b&identity=ci&permissions=contents:write"),
                        403, 7, "requested permission contents:write is more than the trust policy grants",
                        "permission_not_granted"),
                new Refused("a repository the org policy does not list", query("scope=org&identity=ci&repositories=a,c"),
                        403, 7, "requested repository \"c\" is not one the trust policy grants", "repository_not_granted"),
                new Refused("repositories for a repository scope", query("scope=org/a&identity=ci&repositories=a"),
                        400, 3, "repositories narrows an organization scope only", "repositories_need_org_scope"),
                new Refused("a permission without a level", query("scope=org/a&identity=ci&permissions=contents"),
                        400, 3, malformed, "malformed_request"),
                new Refused("a repository with its owner", query("scope=org&identity=ci&repositories=org/a"),
                        400, 3, "repositories must be repository names without the owner", "malformed_request"),
                new Refused("permissions that are not an object",
                        json("{\"scope\":\"org/a\",\"identity\":\"ci\",\"permissions\":\"contents:read\"}"),
                        400, 3, "permissions must be a JSON object of permission name to level", "malformed_request"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void askingForMoreIsRefused(Refused row) {
        row.assertRefusedWithoutToken(harness);
    }
}
