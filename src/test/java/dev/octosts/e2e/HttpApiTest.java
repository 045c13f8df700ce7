package dev.octosts.e2e;

import com.nimbusds.jose.JWSAlgorithm;
import dev.octosts.dev.LocalOidcIssuer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP contract of {@code /sts/exchange}: parameters, headers, limits, and the error shape. */
class HttpApiTest {
    private static final String POLICY = """
            issuer: https://token.actions.githubusercontent.com
            subject_pattern: 'repo:org/repo:ref:refs/heads/(main|release)'
            claim_pattern:
              workflow_ref: '.*'
            permissions:
              contents: read
              issues: write
            """;
    private static final String REDOS_POLICY = """
            issuer: https://token.actions.githubusercontent.com
            subject: repo:org/repo:ref:refs/heads/main
            claim_pattern:
              payload: '(a+)+$'
            permissions:
              contents: read
            """;
    private static Harness harness;

    @BeforeAll
    static void start() {
        harness = new Harness();
        harness.install(0, "org");
        harness.github.createRepository("org", ".github");
        harness.putFile("org/repo/.github/chainguard/ci.sts.yaml", POLICY);
        harness.putFile("org/repo/.github/chainguard/redos.sts.yaml", REDOS_POLICY);
        harness.start();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    private static String goodToken() {
        return harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN,
                "workflow_ref", "org/repo/.github/workflows/ci.yaml@refs/heads/main"));
    }

    private static Map<String, String> query(String scope, String identity) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("scope", scope);
        query.put("identity", identity);
        return query;
    }

    @Test
    void theOctoStsActionsRequestGetsAToken() {
        // octo-sts/action: GET /sts/exchange?scope=S&scopes=S&identity=I, reads .token
        Map<String, String> query = new LinkedHashMap<>(query("org/repo", "ci"));
        query.put("scopes", "org/repo");
        Harness.Response response = harness.get(goodToken(), query);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body().path("token").asText()).startsWith("ghs_");
        assertThat(response.body().path("expiry").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(response.raw().headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(harness.tokenRequests().getLast()).isEqualTo(Harness.json(
                "{\"repositories\":[\"repo\"],\"permissions\":{\"contents\":\"read\",\"issues\":\"write\"}}"));
    }

    @Test
    void postWithAFormBodyWorksLikeGet() {
        Harness.Response response = harness.send(HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange"))
                .header("Authorization", "Bearer " + goodToken())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("scope=org%2Frepo&identity=ci")).build());
        assertThat(response.status()).isEqualTo(200);
    }

    @Test
    void postWithAJsonBodyWorksLikeGet() {
        Harness.Response response = harness.send(HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange"))
                .header("Authorization", "Bearer " + goodToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"scopes\":[\"org/repo\"],\"identity\":\"ci\"}")).build());
        assertThat(response.status()).isEqualTo(200);
    }

    @Test
    void moreThanOneScopeIsInvalidArgumentBeforeAuthentication() {
        HttpRequest request = HttpRequest.newBuilder(harness.baseUri()
                .resolve("/sts/exchange?scopes=org/repo&scopes=org/other&identity=ci")).GET().build();
        Harness.Response response = harness.send(request);
        assertError(response, 400, 3, "multiple scopes not supported");
    }

    @Test
    void aMissingAuthorizationHeaderIsUnauthenticated() {
        assertError(harness.get(null, query("org/repo", "ci")), 401, 16, null);
    }

    @Test
    void twoAuthorizationHeadersAreUnauthenticated() {
        String token = goodToken();
        Harness.Response response = harness.send(HttpRequest.newBuilder(harness.baseUri()
                        .resolve("/sts/exchange?scope=org/repo&identity=ci"))
                .header("Authorization", "Bearer " + token).header("Authorization", "Bearer " + token).GET().build());
        assertError(response, 401, 16, null);
    }

    @Test
    void garbageAndUnsignedTokensAreInvalidArgument() {
        assertError(harness.get("not-a-jwt", query("org/repo", "ci")), 400, 3, "invalid bearer token");
        assertError(harness.get("a.b.c", query("org/repo", "ci")), 400, 3, "invalid bearer token");
        String unsigned = harness.issuer.token().issuer(Harness.ACTIONS_ISSUER)
                .subject("repo:org/repo:ref:refs/heads/main").algorithm(new JWSAlgorithm("none")).mint();
        assertThat(harness.get(unsigned, query("org/repo", "ci")).status()).isBetween(400, 401);
    }

    @Test
    void hmacSignedTokensAreRefused() {
        String hmac = harness.issuer.token().issuer(Harness.ACTIONS_ISSUER)
                .subject("repo:org/repo:ref:refs/heads/main").audience(Harness.DOMAIN)
                .algorithm(JWSAlgorithm.HS256).mint();
        assertThat(harness.get(hmac, query("org/repo", "ci")).status()).isBetween(400, 401);
    }

    @Test
    void aTokenSignedByAnUnknownKeyIsUnauthenticated() {
        String forged = harness.issuer.token().issuer(Harness.ACTIONS_ISSUER)
                .subject("repo:org/repo:ref:refs/heads/main").audience(Harness.DOMAIN)
                .signWithUnpublishedKey().mint();
        assertError(harness.get(forged, query("org/repo", "ci")), 401, 16, "unable to verify bearer token");
    }

    @Test
    void anExpiredTokenIsUnauthenticated() {
        String expired = harness.issuer.token().issuer(Harness.ACTIONS_ISSUER)
                .subject("repo:org/repo:ref:refs/heads/main").audience(Harness.DOMAIN)
                .lifetime(Duration.ofSeconds(-60)).mint();
        assertError(harness.get(expired, query("org/repo", "ci")), 401, 16, "unable to verify bearer token");
    }

    @Test
    void aMissingBearerPrefixMakesTheHeaderAnInvalidToken() {
        Harness.Response response = harness.send(HttpRequest.newBuilder(harness.baseUri()
                        .resolve("/sts/exchange?scope=org/repo&identity=ci"))
                .header("Authorization", "Basic dXNlcjpwYXNz").GET().build());
        assertError(response, 400, 3, "invalid bearer token");
    }

    @Test
    void aSubjectOutsideThePolicyIsPermissionDenied() {
        String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main-attacker",
                "aud", Harness.DOMAIN, "workflow_ref", "x"));
        Harness.Response response = harness.get(token, query("org/repo", "ci"));
        assertError(response, 403, 7, null);
        assertThat(response.message()).startsWith("trust policy: subject");
    }

    @Test
    void anOversizedHeaderIsRefusedWithA4xx() {
        String huge = "x".repeat(64 * 1024);
        Harness.Response response = harness.send(HttpRequest.newBuilder(harness.baseUri()
                        .resolve("/sts/exchange?scope=org/repo&identity=ci"))
                .header("Authorization", "Bearer " + huge).GET().build());
        assertThat(response.status()).isIn(400, 413, 431);
    }

    @Test
    void aTokenOverTheSizeLimitIsInvalidArgument() {
        String big = "e30." + "A".repeat(20_000) + ".sig";
        assertError(harness.get(big, query("org/repo", "ci")), 400, 3, "invalid bearer token");
    }

    @Test
    void anOversizedBodyIsRefusedWithA4xx() {
        Harness.Response response = harness.send(HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange"))
                .header("Authorization", "Bearer " + goodToken())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("identity=" + "a".repeat(100_000))).build());
        assertThat(response.status()).isBetween(400, 499);
    }

    @Test
    void anUnsupportedBodyIsInvalidArgument() {
        Harness.Response response = harness.send(HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange"))
                .header("Authorization", "Bearer " + goodToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{not json")).build());
        assertError(response, 400, 3, "request body is not valid JSON");
    }

    @Test
    void aMalformedFormIsInvalidArgument() {
        Harness.Response response = harness.send(HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange"))
                .header("Authorization", "Bearer " + goodToken())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("scope=%zz&identity=ci")).build());
        assertError(response, 400, 3, "request body is not a valid form");
    }

    @Test
    void identitiesThatAreNotPlainFileNamesAreNotFound() {
        for (String identity : List.of("../ci", "a/b", "ci\u0000", ".hidden")) {
            Harness.Response response = harness.get(goodToken(), query("org/repo", identity));
            assertError(response, 404, 5, null);
        }
    }

    @Test
    // In a thread of its own, so a regex that backtracks without end fails the test instead of hanging it.
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCatastrophicPatternAgainstAHugeClaimIsAnsweredPromptly() {
        // (a+)+$ backtracks exponentially in java.util.regex; RE2/J is linear in the input.
        String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN,
                "payload", "a".repeat(5_000) + "!"));
        Harness.Response response = harness.get(token, query("org/repo", "redos"));
        assertError(response, 403, 7, null);
    }

    @Test
    void refreshTokenExchangeIsUnimplemented() {
        Harness.Response response = harness.send(HttpRequest.newBuilder(harness.baseUri()
                .resolve("/sts/exchange_refresh_token")).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertError(response, 501, 12, null);
    }

    @Test
    void everyResponseCarriesARequestId() {
        Harness.Response response = harness.get(null, query("org/repo", "ci"));
        assertThat(response.raw().headers().firstValue("X-Request-Id")).hasValueSatisfying(id -> assertThat(id).hasSize(36));
        assertThat(harness.lastRecord().path("request_id").asText())
                .isEqualTo(response.raw().headers().firstValue("X-Request-Id").orElseThrow());
    }

    @Test
    void healthAnswersOnceReady() {
        Harness.Response response = harness.send(HttpRequest.newBuilder(harness.baseUri().resolve("/observe/health")).GET().build());
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body().path("status").asText()).isEqualTo("UP");
    }

    @Test
    void anIssuerRedirectingToAPrivateAddressIsRefusedWithA4xx() {
        try (LocalOidcIssuer rogue = LocalOidcIssuer.start()) {
            rogue.respondToDiscovery(LocalOidcIssuer.Fault.redirect("https://10.1.2.3/.well-known/openid-configuration"));
            String token = rogue.mint(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
            assertError(harness.get(token, query("org/repo", "ci")), 400, 3, "unable to fetch or create the provider");
        }
    }

    @Test
    void connectionsBeyondTheLimitWaitUntilOneCloses() throws Exception {
        try (Harness limited = new Harness()) {
            limited.env.put("MAX_CONNECTIONS", "2");
            limited.app(0);
            limited.start();
            URI base = limited.baseUri();
            try (Socket first = new Socket(base.getHost(), base.getPort());
                 Socket second = new Socket(base.getHost(), base.getPort());
                 HttpClient http = HttpClient.newHttpClient()) {
                CompletableFuture<HttpResponse<Void>> third = http.sendAsync(
                        HttpRequest.newBuilder(base.resolve("/observe/health")).build(), HttpResponse.BodyHandlers.discarding());
                Thread.sleep(500);
                assertThat(third).as("answered while two connections were held").isNotDone();

                first.close();
                assertThat(third.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void anIssuerServingA10MegabyteDocumentIsRefusedWithA4xx() {
        try (LocalOidcIssuer rogue = LocalOidcIssuer.start()) {
            rogue.respondToDiscovery(LocalOidcIssuer.Fault.oversized(10 * 1024 * 1024));
            String token = rogue.mint(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
            assertError(harness.get(token, query("org/repo", "ci")), 400, 3, "unable to fetch or create the provider");
        }
    }

    private static void assertError(Harness.Response response, int status, int code, String message) {
        assertThat(response.status()).as("status; body %s", response.body()).isEqualTo(status);
        assertThat(response.raw().headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(response.code()).isEqualTo(code);
        assertThat(response.body().path("details").isArray()).isTrue();
        if (message != null) {
            assertThat(response.message()).isEqualTo(message);
        }
    }
}
