package dev.octosts.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.octosts.dev.LocalOidcIssuer.Fault;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalOidcIssuerTest {
    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalOidcIssuer issuer;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        issuer = LocalOidcIssuer.start(Clock.fixed(NOW, ZoneOffset.UTC));
        http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @AfterAll
    static void stop() {
        issuer.close();
        http.close();
    }

    @AfterEach
    void clearFaults() {
        issuer.clearFaults();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(issuer.issuer() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode payload(String token) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    }

    private static JsonNode header(String token) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0]));
    }

    @Test
    void listensOnLoopbackOverHttp() {
        assertThat(issuer.issuer()).matches("http://127\\.0\\.0\\.1:\\d+");
        assertThat(issuer.jwksUri()).isEqualTo(URI.create(issuer.issuer() + "/.well-known/jwks.json"));
    }

    @Test
    void servesDiscoveryPointingAtItsJwks() throws Exception {
        HttpResponse<String> response = get(LocalOidcIssuer.DISCOVERY_PATH);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
        JsonNode document = JSON.readTree(response.body());
        assertThat(document.get("issuer").asText()).isEqualTo(issuer.issuer());
        assertThat(document.get("jwks_uri").asText()).isEqualTo(issuer.jwksUri().toString());
    }

    @Test
    void publishesOnlyPublicKeysOnePerAlgorithm() throws Exception {
        JWKSet served = JWKSet.parse(get(LocalOidcIssuer.JWKS_PATH).body());

        assertThat(served.getKeys()).extracting(JWK::getKeyID).containsExactlyInAnyOrder(issuer.defaultKeyId(),
                "local-rs384", "local-rs512", "local-ps256", "local-es256", "local-es384");
        assertThat(served.getKeys()).noneMatch(JWK::isPrivate);
        assertThat(JWKSet.parse(issuer.publicJwksJson()).getKeys()).hasSize(6).noneMatch(JWK::isPrivate);
        assertThat(served.getKeyByKeyId("local-1").getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
    }

    @Test
    void mintAddsIssuerIssuedAtAndTenMinuteExpiry() throws Exception {
        JsonNode claims = payload(issuer.mint(Map.of("sub", "alice")));

        assertThat(claims.get("iss").asText()).isEqualTo(issuer.issuer());
        assertThat(claims.get("sub").asText()).isEqualTo("alice");
        assertThat(claims.get("iat").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(claims.get("exp").asLong()).isEqualTo(NOW.getEpochSecond() + 600);
    }

    @Test
    void givenClaimsWin() throws Exception {
        JsonNode claims = payload(issuer.mint(Map.of("iss", "https://elsewhere.example", "exp", 5, "aud", List.of("a", "b"))));

        assertThat(claims.get("iss").asText()).isEqualTo("https://elsewhere.example");
        assertThat(claims.get("exp").asLong()).isEqualTo(5);
        assertThat(claims.get("aud").isArray()).isTrue();
    }

    @Test
    void builderShapesAudienceLifetimeAndNotBefore() throws Exception {
        JsonNode one = payload(issuer.token().audience("octosts").lifetime(Duration.ofSeconds(-5))
                .notBefore(NOW.plusSeconds(60)).mint());
        JsonNode none = payload(issuer.token().audience("a", "b").withoutExp().mint());

        assertThat(one.get("aud").isTextual()).isTrue();
        assertThat(one.get("exp").asLong()).isEqualTo(NOW.getEpochSecond() - 5);
        assertThat(one.get("nbf").asLong()).isEqualTo(NOW.getEpochSecond() + 60);
        assertThat(none.get("aud").isArray()).isTrue();
        assertThat(none.has("exp")).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384"})
    void signsWithThePublishedKeyOfEachAlgorithm(String alg) throws Exception {
        JWSObject token = JWSObject.parse(issuer.token().algorithm(JWSAlgorithm.parse(alg)).mint());
        JWK key = JWKSet.parse(issuer.publicJwksJson()).getKeyByKeyId(token.getHeader().getKeyID());

        assertThat(token.getHeader().getAlgorithm().getName()).isEqualTo(alg);
        assertThat(key.getAlgorithm().getName()).isEqualTo(alg);
        assertThat(token.verify(key instanceof RSAKey rsa ? new RSASSAVerifier(rsa) : new ECDSAVerifier((ECKey) key)))
                .isTrue();
    }

    @Test
    void hmacNoneKeyIdAndUnpublishedKeys() throws Exception {
        String hmac = issuer.token().algorithm(JWSAlgorithm.HS256).mint();
        String unsigned = issuer.token().algorithm(JWSAlgorithm.parse("none")).mint();
        String noKid = issuer.token().keyId(null).mint();
        String unpublished = issuer.token().signWithUnpublishedKey().mint();

        assertThat(header(hmac).get("alg").asText()).isEqualTo("HS256");
        assertThat(header(unsigned).get("alg").asText()).isEqualTo("none");
        assertThat(unsigned).endsWith(".");
        assertThat(header(noKid).has("kid")).isFalse();
        assertThat(header(unpublished).get("kid").asText()).isEqualTo("unpublished-rs256");
        assertThat(issuer.publicJwksJson()).doesNotContain("unpublished");
    }

    @Test
    void rawPayloadIsSignedVerbatim() throws Exception {
        String token = issuer.token().rawPayload("{\"a\":1,\"a\":2}").mint();

        assertThat(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8))
                .isEqualTo("{\"a\":1,\"a\":2}");
    }

    @Test
    void rotateKeyReplacesTheDefaultKey() throws Exception {
        try (LocalOidcIssuer rotating = LocalOidcIssuer.start()) {
            String before = rotating.defaultKeyId();
            rotating.rotateKey();

            assertThat(before).isEqualTo("local-1");
            assertThat(rotating.defaultKeyId()).isEqualTo("local-2");
            JWKSet keys = JWKSet.parse(rotating.publicJwksJson());
            assertThat(keys.getKeyByKeyId("local-1")).isNull();
            assertThat(keys.getKeyByKeyId("local-2")).isNotNull();
            assertThat(header(rotating.token().mint()).get("kid").asText()).isEqualTo("local-2");
        }
    }

    @Test
    void countsRequestsPerDocument() throws Exception {
        int discovery = issuer.discoveryRequests();
        int jwks = issuer.jwksRequests();

        get(LocalOidcIssuer.DISCOVERY_PATH);
        get(LocalOidcIssuer.PLAIN_DISCOVERY_PATH);
        get(LocalOidcIssuer.JWKS_PATH);

        assertThat(issuer.discoveryRequests() - discovery).isEqualTo(2);
        assertThat(issuer.jwksRequests() - jwks).isEqualTo(1);
    }

    @Test
    void faultsChangeTheAnswerUntilCleared() throws Exception {
        issuer.respondToDiscovery(Fault.status(503));
        assertThat(get(LocalOidcIssuer.DISCOVERY_PATH).statusCode()).isEqualTo(503);
        assertThat(get(LocalOidcIssuer.PLAIN_DISCOVERY_PATH).statusCode()).isEqualTo(200);

        issuer.respondToDiscovery(Fault.redirect("https://10.1.2.3/x"));
        HttpResponse<String> redirect = get(LocalOidcIssuer.DISCOVERY_PATH);
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.headers().firstValue("Location")).hasValue("https://10.1.2.3/x");

        issuer.respondToDiscovery(Fault.wrongIssuer("https://other.example"));
        assertThat(JSON.readTree(get(LocalOidcIssuer.DISCOVERY_PATH).body()).get("issuer").asText())
                .isEqualTo("https://other.example");

        issuer.respondToJwks(Fault.oversizedWithLength(200_000));
        HttpResponse<String> big = get(LocalOidcIssuer.JWKS_PATH);
        assertThat(big.headers().firstValueAsLong("Content-Length")).hasValue(200_000);
        assertThat(big.body()).hasSize(200_000);

        issuer.respondToJwks(Fault.oversized(150_000));
        HttpResponse<String> streamed = get(LocalOidcIssuer.JWKS_PATH);
        assertThat(streamed.headers().firstValue("Content-Length")).isEmpty();
        assertThat(streamed.body()).hasSize(150_000);

        issuer.clearFaults();
        assertThat(JSON.readTree(get(LocalOidcIssuer.DISCOVERY_PATH).body()).get("issuer").asText())
                .isEqualTo(issuer.issuer());
        assertThat(get(LocalOidcIssuer.JWKS_PATH).statusCode()).isEqualTo(200);
    }

    @Test
    void wrongIssuerIsForDiscoveryOnly() {
        assertThatIllegalArgumentException().isThrownBy(() -> issuer.respondToJwks(Fault.wrongIssuer("https://x.example")));
    }
}
