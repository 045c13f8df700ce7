package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.token.TokenTypeURI;
import com.nimbusds.oauth2.sdk.token.TypelessToken;
import com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * RFC 8693 token exchange on {@code POST /oauth2/token}, driven by an off-the-shelf OAuth 2.0 client (the
 * Nimbus OAuth 2.0 SDK) and by hand-built forms for what a client library will not send: the same exchange,
 * the same ledger record, OAuth 2.0's answers.
 */
class TokenExchangeEndpointTest {
    static final String TOOL = SeveralRepositoriesTest.TOOL;
    private static Harness harness;

    @BeforeAll
    static void start() {
        harness = new Harness();
        harness.install(0, "org");
        for (String repo : List.of("a", "b", "e")) {
            harness.github.createRepository("org", repo);
        }
        harness.putFile("org/a/.github/chainguard/ci.sts.yaml", SeveralRepositoriesTest.POLICY_A);
        harness.putFile("org/b/.github/chainguard/ci.sts.yaml", SeveralRepositoriesTest.POLICY_B);
        harness.putFile("org/e/.github/chainguard/ci.sts.yaml", SeveralRepositoriesTest.POLICY_ACTIONS_ONLY);
        harness.start();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    static String subjectToken(String subject) {
        return harness.actionsToken(Map.of("sub", subject, "aud", Harness.DOMAIN));
    }

    static TokenResponse nimbusExchange(String subjectToken, Scope scope, URI... resources) throws Exception {
        TokenRequest request = new TokenRequest.Builder(harness.baseUri().resolve("/oauth2/token"),
                new TokenExchangeGrant(new TypelessToken(subjectToken), TokenTypeURI.JWT))
                .scope(scope).resources(resources).build();
        HTTPResponse response = request.toHTTPRequest().send();
        assertThat(response.getHeaderValue("Cache-Control")).isEqualTo("no-store");
        return TokenResponse.parse(response);
    }

    @Test
    void anOAuthClientGetsATokenForTwoRepositoriesNarrowedToOnePermission() throws Exception {
        TokenResponse response = nimbusExchange(subjectToken(TOOL), new Scope("identity:ci", "issues:write"),
                URI.create("https://github.com/org/a"), URI.create("https://github.com/org/b"));

        assertThat(response.indicatesSuccess()).as("%s", response).isTrue();
        AccessTokenResponse success = response.toSuccessResponse();
        String token = success.getTokens().getAccessToken().getValue();
        assertThat(success.getTokens().getAccessToken().getIssuedTokenType()).isEqualTo(TokenTypeURI.ACCESS_TOKEN);
        assertThat(success.getTokens().getAccessToken().getType().getValue()).isEqualTo("Bearer");
        assertThat(harness.tokenRequests().getLast()).isEqualTo(Harness.json(
                "{\"repositories\":[\"a\",\"b\"],\"permissions\":{\"issues\":\"write\"}}"));
        JsonNode record = harness.lastRecord();
        assertThat(record.path("reason").asText()).isEqualTo("issued");
        assertThat(record.path("identity").asText()).isEqualTo("ci");
        assertThat(record.path("issued").path("token_sha256").asText()).isEqualTo(Harness.sha256Hex(token));
        // The lifetime is what is left until the token's recorded end, within a few seconds of this test's reading.
        long left = Duration.between(harness.clock.instant(), Instant.parse(record.path("issued").path("expires_at").asText()))
                .toSeconds();
        assertThat(success.getTokens().getAccessToken().getLifetime()).isCloseTo(left, within(5L))
                .isCloseTo(3600L, within(10L));
        assertThat(record.path("grant").path("scopes")).isEqualTo(Harness.json("[\"org/a\",\"org/b\"]"));
        assertThat(record.path("grant").path("requested_permissions")).isEqualTo(Harness.json("{\"issues\":\"write\"}"));
    }

    @Test
    void aPlainResourceAndTheIdTokenTypeWork() {
        Harness.Response response = post("grant_type=" + enc(TokenExchangeGrant.GRANT_TYPE.getValue())
                + "&subject_token=" + subjectToken(TOOL) + "&subject_token_type=" + enc(TokenTypeURI.ID_TOKEN.getURI().toString())
                + "&resource=org%2Fa&scope=identity%3Aci");

        assertThat(response.status()).as("body %s", response.body()).isEqualTo(200);
        assertThat(response.body().path("token_type").asText()).isEqualTo("Bearer");
        assertThat(response.body().path("issued_token_type").asText())
                .isEqualTo("urn:ietf:params:oauth:token-type:access_token");
        assertThat(harness.tokenRequests().getLast()).isEqualTo(Harness.json("{\"repositories\":[\"a\"],\"permissions\":"
                + "{\"contents\":\"write\",\"issues\":\"write\",\"pull_requests\":\"read\"}}"));
    }

    @Test
    void aPolicyRefusalIsInvalidRequestWithTheExchangesMessage() throws Exception {
        TokenResponse response = nimbusExchange(subjectToken("repo:org/stranger:ref:refs/heads/main"),
                new Scope("identity:ci"), URI.create("https://github.com/org/a"));

        assertThat(response.indicatesSuccess()).isFalse();
        TokenErrorResponse error = response.toErrorResponse();
        assertThat(error.getErrorObject().getHTTPStatusCode()).isEqualTo(400);
        assertThat(error.getErrorObject().getCode()).isEqualTo("invalid_request");
        assertThat(error.getErrorObject().getDescription()).isEqualTo("trust policy: subject "
                + "'repo:org/stranger:ref:refs/heads/main' did not match 'repo:org/tool:ref:refs/heads/main'");
        assertThat(harness.lastRecord().path("reason").asText()).isEqualTo("subject_mismatch");
    }

    /** A hand-built form, the OAuth error and description it gets, and the reason the ledger keeps. */
    record Refused(String name, String form, String error, String description, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Refused> refused() {
        String grant = "grant_type=" + enc(TokenExchangeGrant.GRANT_TYPE.getValue()) + "&subject_token_type="
                + enc("urn:ietf:params:oauth:token-type:jwt");
        return Stream.of(
                new Refused("another grant type", "grant_type=client_credentials&scope=identity%3Aci",
                        "unsupported_grant_type", "grant_type must be urn:ietf:params:oauth:grant-type:token-exchange",
                        "malformed_request"),
                new Refused("no subject token", grant + "&resource=org%2Fa&scope=identity%3Aci",
                        "invalid_request", "subject_token must be given exactly once",
                        "malformed_request"),
                new Refused("an unverifiable subject token", grant + "&subject_token=not-a-jwt&resource=org%2Fa"
                        + "&scope=identity%3Aci", "invalid_request", "invalid bearer token",
                        "malformed_token"),
                new Refused("no identity in the scope", grant + "&subject_token=TOKEN&resource=org%2Fa&scope=contents%3Aread",
                        "invalid_scope", "scope must hold exactly one identity:<name> and optional <permission>:<level> entries",
                        "malformed_request"),
                new Refused("two identities", grant + "&subject_token=TOKEN&resource=org%2Fa&scope=identity%3Aci+identity%3Ab",
                        "invalid_scope", "scope must hold exactly one identity:<name> and optional <permission>:<level> entries",
                        "malformed_request"),
                new Refused("a resource on another host", grant + "&subject_token=TOKEN&resource="
                        + enc("https://example.com/org/a") + "&scope=identity%3Aci", "invalid_target", "resource must be org/repo, org or https://github.com/org/repo",
                        "malformed_request"),
                new Refused("an owner without an App", grant + "&subject_token=TOKEN&resource=stranger%2Fa"
                        + "&scope=identity%3Aci", "invalid_target", "no installation found for 'stranger'",
                        "not_installed"),
                new Refused("resources of two owners", grant + "&subject_token=TOKEN&resource=org%2Fa&resource=other%2Fb"
                        + "&scope=identity%3Aci", "invalid_target", "scopes must name repositories of one owner",
                        "scopes_owners_differ"),
                new Refused("resources whose policies share no permission", grant + "&subject_token=TOKEN"
                        + "&resource=org%2Fa&resource=org%2Fe&scope=identity%3Aci", "invalid_target", "the trust policies of these repositories grant no permission in common",
                        "no_common_permissions"),
                new Refused("more than the policies grant", grant + "&subject_token=TOKEN&resource=org%2Fa&resource=org%2Fb"
                        + "&scope=identity%3Aci+contents%3Awrite", "invalid_scope", "requested permission contents:write is more than the trust policy grants",
                        "permission_not_granted"),
                new Refused("a policy that is not there", grant + "&subject_token=TOKEN&resource=org%2Fa"
                        + "&scope=identity%3Amissing", "invalid_request", "unable to find trust policy for 'missing'",
                        "policy_not_found"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusalsAreOAuthErrors(Refused row) {
        Harness.Response response = post(row.form().replace("TOKEN", subjectToken(TOOL)));

        assertThat(response.status()).as("body %s", response.body()).isEqualTo(400);
        assertThat(response.body().path("error").asText()).isEqualTo(row.error());
        assertThat(response.body().path("error_description").asText()).isEqualTo(row.description());
        assertThat(response.raw().headers().firstValue("Cache-Control")).contains("no-store");
        JsonNode record = harness.lastRecord();
        assertThat(record.path("request_id").asText())
                .isEqualTo(response.raw().headers().firstValue("X-Request-Id").orElseThrow());
        assertThat(record.path("reason").asText()).isEqualTo(row.reason());
        assertThat(record.path("issued").isNull()).isTrue();
    }

    @Test
    void theMetadataAdvertisesTheTokenEndpoint() throws Exception {
        Harness.Response response = harness.send(HttpRequest.newBuilder(
                harness.baseUri().resolve("/.well-known/oauth-authorization-server")).GET().build());

        assertThat(response.status()).isEqualTo(200);
        AuthorizationServerMetadata metadata = AuthorizationServerMetadata.parse(response.raw().body());
        assertThat(metadata.getIssuer().getValue()).isEqualTo("https://" + Harness.DOMAIN);
        assertThat(metadata.getTokenEndpointURI()).isEqualTo(URI.create("https://" + Harness.DOMAIN + "/oauth2/token"));
        assertThat(metadata.getGrantTypes()).containsExactly(GrantType.TOKEN_EXCHANGE);
        assertThat(metadata.getTokenEndpointAuthMethods()).extracting(Object::toString).containsExactly("none");
    }

    private static Harness.Response post(String form) {
        return harness.send(HttpRequest.newBuilder(harness.baseUri().resolve("/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }

    private static String enc(String value) {
        return Harness.enc(value);
    }
}
