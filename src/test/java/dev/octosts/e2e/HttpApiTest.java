package dev.octosts.e2e;

import com.nimbusds.jose.JWSAlgorithm;
import dev.octosts.dev.LocalOidcIssuer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

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
    private static final String MAIN = "repo:org/repo:ref:refs/heads/main";
    private static Harness harness;
    /** Issuers that discovery must refuse: one redirects to a private address, one serves 10 MiB. */
    private static LocalOidcIssuer redirecting;
    private static LocalOidcIssuer oversized;
    /** Issuers whose discovery works but whose key set fails: one answers 500, one lists only a secret key. */
    private static LocalOidcIssuer jwksDown;
    private static LocalOidcIssuer secretKeysOnly;

    @BeforeAll
    static void start() {
        harness = new Harness();
        harness.install(0, "org");
        harness.github.createRepository("org", ".github");
        harness.putFile("org/repo/.github/chainguard/ci.sts.yaml", POLICY);
        harness.putFile("org/repo/.github/chainguard/redos.sts.yaml", REDOS_POLICY);
        harness.start();
        redirecting = LocalOidcIssuer.start();
        redirecting.respondToDiscovery(LocalOidcIssuer.Fault.redirect("https://10.1.2.3/.well-known/openid-configuration"));
        oversized = LocalOidcIssuer.start();
        oversized.respondToDiscovery(LocalOidcIssuer.Fault.oversized(10 * 1024 * 1024));
        jwksDown = LocalOidcIssuer.start();
        jwksDown.respondToJwks(LocalOidcIssuer.Fault.status(500));
        secretKeysOnly = LocalOidcIssuer.start();
        secretKeysOnly.respondToJwks(LocalOidcIssuer.Fault.body(
                "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\",\"kid\":\"k\"}]}"));
    }

    @AfterAll
    static void stop() {
        redirecting.close();
        oversized.close();
        jwksDown.close();
        secretKeysOnly.close();
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

    private static HttpRequest.Builder exchange(String query) {
        return HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange" + query));
    }

    private static Supplier<HttpRequest> withToken(Supplier<String> token, String scope, String identity) {
        return () -> exchange("?scope=" + Harness.enc(scope) + "&identity=" + Harness.enc(identity))
                .header("Authorization", "Bearer " + token.get()).GET().build();
    }

    private static Supplier<HttpRequest> post(String contentType, String body) {
        return () -> exchange("").header("Authorization", "Bearer " + goodToken()).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static String rogueToken(LocalOidcIssuer rogue) {
        return rogue.mint(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
    }

    static Stream<Refused> refused() {
        String notFound = "unable to find trust policy for ";
        return Stream.of(
                new Refused("scopes of two owners, before authentication",
                        () -> exchange("?scopes=org/repo&scopes=other/repo&identity=ci").GET().build(),
                        400, 3, "scopes must name repositories of one owner", "scopes_owners_differ"),
                new Refused("no scope", withToken(HttpApiTest::goodToken, "", "ci"),
                        400, 3, "scope must be provided", "scope_missing"),
                new Refused("no identity", withToken(HttpApiTest::goodToken, "org/repo", ""),
                        400, 3, "identity must be provided", "identity_missing"),
                new Refused("no Authorization header", () -> exchange("?scope=org/repo&identity=ci").GET().build(),
                        401, 16, "missing or multiple authorization headers", "missing_authorization"),
                new Refused("two Authorization headers", () -> {
                    String token = goodToken();
                    return exchange("?scope=org/repo&identity=ci").header("Authorization", "Bearer " + token)
                            .header("Authorization", "Bearer " + token).GET().build();
                }, 401, 16, "missing or multiple authorization headers", "missing_authorization"),
                new Refused("garbage token", withToken(() -> "not-a-jwt", "org/repo", "ci"),
                        400, 3, "invalid bearer token", "malformed_token"),
                new Refused("three empty-ish parts", withToken(() -> "a.b.c", "org/repo", "ci"),
                        400, 3, "invalid bearer token", "malformed_token"),
                new Refused("unsigned token (alg none)", withToken(() -> harness.issuer.token()
                        .issuer(Harness.ACTIONS_ISSUER).subject(MAIN).algorithm(new JWSAlgorithm("none")).mint(),
                        "org/repo", "ci"),
                        400, 3, "invalid bearer token", "unsigned_token"),
                new Refused("HMAC-signed token", withToken(() -> harness.issuer.token()
                        .issuer(Harness.ACTIONS_ISSUER).subject(MAIN).audience(Harness.DOMAIN)
                        .algorithm(JWSAlgorithm.HS256).mint(), "org/repo", "ci"),
                        401, 16, "unable to verify bearer token", "unsupported_algorithm"),
                new Refused("token signed by an unpublished key", withToken(() -> harness.issuer.token()
                        .issuer(Harness.ACTIONS_ISSUER).subject(MAIN).audience(Harness.DOMAIN)
                        .signWithUnpublishedKey().mint(), "org/repo", "ci"),
                        401, 16, "unable to verify bearer token", "unknown_key"),
                new Refused("expired token", withToken(() -> harness.issuer.token()
                        .issuer(Harness.ACTIONS_ISSUER).subject(MAIN).audience(Harness.DOMAIN)
                        .lifetime(Duration.ofSeconds(-60)).mint(), "org/repo", "ci"),
                        401, 16, "unable to verify bearer token", "token_expired"),
                new Refused("token without exp", withToken(() -> harness.issuer.token()
                        .issuer(Harness.ACTIONS_ISSUER).subject(MAIN).audience(Harness.DOMAIN).withoutExp().mint(),
                        "org/repo", "ci"), 401, 16, "unable to verify bearer token", "missing_exp"),
                new Refused("token not valid before an hour from now", withToken(() -> harness.issuer.token()
                        .issuer(Harness.ACTIONS_ISSUER).subject(MAIN).audience(Harness.DOMAIN)
                        .notBefore(java.time.Instant.now().plusSeconds(3600)).mint(), "org/repo", "ci"),
                        401, 16, "unable to verify bearer token", "nbf_in_future"),
                new Refused("token without kid", withToken(() -> harness.issuer.token()
                        .issuer(Harness.ACTIONS_ISSUER).subject(MAIN).audience(Harness.DOMAIN).keyId(null).mint(),
                        "org/repo", "ci"), 401, 16, "unable to verify bearer token", "kid_required"),
                new Refused("token whose payload was changed after signing", withToken(() -> {
                    String[] good = goodToken().split("\\.");
                    String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                            ("{\"iss\":\"" + Harness.ACTIONS_ISSUER + "\",\"sub\":\"repo:org/repo:ref:refs/heads/main\","
                                    + "\"aud\":\"" + Harness.DOMAIN + "\",\"exp\":"
                                    + (java.time.Instant.now().getEpochSecond() + 600) + "}")
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    return good[0] + "." + forged + "." + good[2];
                }, "org/repo", "ci"), 401, 16, "unable to verify bearer token", "bad_signature"),
                new Refused("token whose exp is text", withToken(() -> harness.issuer.token()
                        .issuer(Harness.ACTIONS_ISSUER).subject(MAIN).rawPayload("{\"iss\":\"" + Harness.ACTIONS_ISSUER
                        + "\",\"sub\":\"repo:org/repo:ref:refs/heads/main\",\"aud\":\"" + Harness.DOMAIN + "\",\"exp\":\"soon\"}")
                        .mint(), "org/repo", "ci"), 401, 16, "unable to verify bearer token", "invalid_claims"),
                new Refused("token for another audience", withToken(() -> harness.actionsToken(Map.of(
                        "sub", "repo:org/repo:ref:refs/heads/main", "aud", "someone-else.example", "workflow_ref", "x")),
                        "org/repo", "ci"), 403, 7,
                        "trust policy: audience \"octo-sts.test\" did not match any of [\"someone-else.example\"]",
                        "audience_mismatch"),
                new Refused("issuer whose key set cannot be fetched", withToken(() -> rogueToken(jwksDown), "org/repo", "ci"),
                        401, 16, "unable to verify bearer token", "jwks_fetch_failed"),
                new Refused("issuer whose key set holds no usable key",
                        withToken(() -> rogueToken(secretKeysOnly), "org/repo", "ci"),
                        401, 16, "unable to verify bearer token", "no_usable_keys"),
                new Refused("Basic instead of Bearer", () -> exchange("?scope=org/repo&identity=ci")
                        .header("Authorization", "Basic dXNlcjpwYXNz").GET().build(),
                        400, 3, "invalid bearer token", "malformed_token"),
                new Refused("token over the size limit", withToken(() -> "e30." + "A".repeat(20_000) + ".sig", "org/repo", "ci"),
                        400, 3, "invalid bearer token", "token_too_large"),
                new Refused("header block over the limit", withToken(() -> "x".repeat(64 * 1024), "org/repo", "ci"),
                        400, 3, "bad request", null),
                new Refused("body over the limit", post("application/x-www-form-urlencoded", "identity=" + "a".repeat(100_000)),
                        413, 3, "request entity too large", null),
                new Refused("JSON body that is not JSON", post("application/json", "{not json"),
                        400, 3, "request body is not valid JSON", "malformed_request"),
                new Refused("form body that is not a form", post("application/x-www-form-urlencoded", "scope=%zz&identity=ci"),
                        400, 3, "request body is not a valid form", "malformed_request"),
                new Refused("subject outside the policy", withToken(() -> harness.actionsToken(Map.of(
                        "sub", "repo:org/repo:ref:refs/heads/main-attacker", "aud", Harness.DOMAIN, "workflow_ref", "x")),
                        "org/repo", "ci"),
                        403, 7, "trust policy: subject \"repo:org/repo:ref:refs/heads/main-attacker\" did not match pattern"
                        + " \"repo:org/repo:ref:refs/heads/(main|release)\"", "subject_mismatch"),
                new Refused("identity with a parent directory", withToken(HttpApiTest::goodToken, "org/repo", "../ci"),
                        404, 5, notFound + "\"../ci\"", "policy_not_found"),
                new Refused("identity with a slash", withToken(HttpApiTest::goodToken, "org/repo", "a/b"),
                        404, 5, notFound + "\"a/b\"", "policy_not_found"),
                new Refused("identity with a NUL", withToken(HttpApiTest::goodToken, "org/repo", "ci\u0000"),
                        404, 5, notFound + "\"ci\\x00\"", "policy_not_found"),
                new Refused("hidden identity", withToken(HttpApiTest::goodToken, "org/repo", ".hidden"),
                        404, 5, notFound + "\".hidden\"", "policy_not_found"),
                new Refused("issuer redirecting discovery to a private address", withToken(() -> rogueToken(redirecting),
                        "org/repo", "ci"),
                        400, 3, "unable to fetch or create the provider", "discovery_failed"),
                new Refused("issuer serving a 10 MiB discovery document", withToken(() -> rogueToken(oversized),
                        "org/repo", "ci"),
                        400, 3, "unable to fetch or create the provider", "discovery_failed"),
                new Refused("refresh token exchange", () -> HttpRequest.newBuilder(harness.baseUri()
                        .resolve("/sts/exchange_refresh_token")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        501, 12, "method ExchangeRefreshToken not implemented", "unimplemented"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusedRequests(Refused row) {
        Harness.Response response = harness.send(row.request().get());
        String requestId = response.raw().headers().firstValue("X-Request-Id").orElse(null);
        String reason = requestId == null ? null : harness.records().stream()
                .filter(record -> record.path("request_id").asText().equals(requestId))
                .map(record -> record.path("reason").asText()).findFirst().orElse(null);
        assertError(response, row.status(), row.code(), row.message());
        assertThat(reason).as("the ledger record's reason").isEqualTo(row.reason());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCatastrophicPatternAgainstAHugeClaimIsAnsweredPromptly() {
        // (a+)+$ backtracks exponentially in java.util.regex; RE2/J is linear in the input.
        String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN,
                "payload", "a".repeat(5_000) + "!"));
        Harness.Response response = harness.get(token, query("org/repo", "redos"));
        assertError(response, 403, 7, "trust policy: claim \"payload\" did not match \"^(a+)+$$\"");
        assertThat(harness.lastRecord().path("reason").asText()).isEqualTo("claim_mismatch");
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
