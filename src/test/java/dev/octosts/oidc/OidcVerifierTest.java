package dev.octosts.oidc;

import dev.octosts.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.dev.LocalOidcIssuer.Fault;
import dev.octosts.oidc.OidcResult.Rejected;
import dev.octosts.oidc.OidcResult.Verified;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The verifier against a real {@link LocalOidcIssuer} over HTTP on 127.0.0.1. */
class OidcVerifierTest {
    private static final String GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
    private static final MutableClock CLOCK = new MutableClock(Instant.now());
    private static LocalOidcIssuer issuer;

    private final List<OidcVerifier> verifiers = new ArrayList<>();
    private int discoveryBefore;
    private int jwksBefore;

    @BeforeAll
    static void startIssuer() {
        issuer = LocalOidcIssuer.start(CLOCK);
    }

    @AfterAll
    static void stopIssuer() {
        issuer.close();
    }

    @BeforeEach
    void countFromHere() {
        discoveryBefore = issuer.discoveryRequests();
        jwksBefore = issuer.jwksRequests();
    }

    @AfterEach
    void cleanUp() {
        issuer.clearFaults();
        verifiers.forEach(OidcVerifier::close);
    }

    private static OidcSettings settings() {
        return new OidcSettings(Map.of(), Set.of("127.0.0.1"), Duration.ofSeconds(2), Duration.ofSeconds(5), CLOCK);
    }

    private OidcVerifier verifier(OidcSettings settings) {
        OidcVerifier verifier = new OidcVerifier(settings);
        verifiers.add(verifier);
        return verifier;
    }

    private OidcVerifier verifier() {
        return verifier(settings());
    }

    private int discoveries() {
        return issuer.discoveryRequests() - discoveryBefore;
    }

    private int jwksFetches() {
        return issuer.jwksRequests() - jwksBefore;
    }

    private static VerifiedToken assertVerified(OidcResult result) {
        return assertThat(result).asInstanceOf(type(Verified.class)).actual().token();
    }

    /** Also proves the detail never carries any part of the token. */
    private static Rejected assertRejected(OidcResult result, OidcFailure failure, String reason, String token) {
        Rejected rejected = assertThat(result).asInstanceOf(type(Rejected.class)).actual();
        assertThat(rejected.failure()).as(rejected.detail()).isEqualTo(failure);
        assertThat(rejected.reason()).as(rejected.detail()).isEqualTo(reason);
        for (String part : token.split("\\.")) {
            if (part.length() >= 8) {
                assertThat(rejected.detail()).doesNotContain(part);
            }
        }
        return rejected;
    }

    // ---- algorithms -----------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384"})
    void acceptsEveryAllowedAlgorithm(String alg) {
        String token = issuer.token().algorithm(JWSAlgorithm.parse(alg)).subject("repo:org/repo:ref:refs/heads/main")
                .audience("octo-sts.dev").mint();

        VerifiedToken verified = assertVerified(verifier().verify(token));

        assertThat(verified.algorithm()).isEqualTo(alg);
        assertThat(verified.issuer()).isEqualTo(issuer.issuer());
        assertThat(verified.subject()).isEqualTo("repo:org/repo:ref:refs/heads/main");
        assertThat(verified.audience()).containsExactly("octo-sts.dev");
        assertThat(verified.keyId()).isEqualTo(alg.equals("RS256") ? issuer.defaultKeyId() : "local-" + alg.toLowerCase());
    }

    @Test
    void rejectsUnsignedTokenAsMalformedWithoutAnyFetch() {
        String token = issuer.token().algorithm(JWSAlgorithm.parse("none")).mint();

        assertThat(token).endsWith(".");
        assertRejected(verifier().verify(token), OidcFailure.MALFORMED_TOKEN, Rejected.UNSIGNED_TOKEN, token);
        assertThat(discoveries()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HS256", "HS384", "HS512"})
    void rejectsHmacBeforeContactingTheIssuer(String alg) {
        String token = issuer.token().algorithm(JWSAlgorithm.parse(alg)).mint();

        Rejected rejected = assertRejected(verifier().verify(token), OidcFailure.VERIFICATION_FAILED,
                Rejected.UNSUPPORTED_ALGORITHM, token);

        assertThat(rejected.detail()).contains("HMAC");
        assertThat(discoveries()).isZero();
        assertThat(jwksFetches()).isZero();
    }

    // ---- malformed input ------------------------------------------------------------------------------------

    static Stream<Arguments> malformedTokens() {
        String header = b64("{\"alg\":\"RS256\",\"kid\":\"local-1\"}");
        String payload = b64("{\"iss\":\"http://127.0.0.1\",\"sub\":\"x\"}");
        return Stream.of(
                Arguments.of("empty", ""),
                Arguments.of("garbage", "garbage"),
                Arguments.of("two parts", header + "." + payload),
                Arguments.of("four parts", header + "." + payload + ".c2ln.eHl6"),
                Arguments.of("JWE five parts", header + ".a.b.c.d"),
                Arguments.of("bad base64url character", header + "." + payload + "!.c2ln"),
                Arguments.of("padded base64", header + "." + payload + "==.c2ln"),
                Arguments.of("space inside", header + ". " + payload + ".c2ln"),
                Arguments.of("header not JSON", b64("not json") + "." + payload + ".c2ln"),
                Arguments.of("header JSON array", b64("[1,2]") + "." + payload + ".c2ln"),
                Arguments.of("header without alg", b64("{\"kid\":\"k\"}") + "." + payload + ".c2ln"),
                Arguments.of("payload not JSON", header + "." + b64("{\"iss\":") + ".c2ln"),
                Arguments.of("payload JSON string", header + "." + b64("\"just a string\"") + ".c2ln"),
                Arguments.of("payload trailing garbage", header + "." + b64("{\"iss\":\"x\"} {}") + ".c2ln"),
                Arguments.of("duplicate key in header",
                        b64("{\"alg\":\"RS256\",\"alg\":\"HS256\"}") + "." + payload + ".c2ln"),
                Arguments.of("iss is a number", header + "." + b64("{\"iss\":42}") + ".c2ln"),
                Arguments.of("sub is an object", header + "." + b64("{\"iss\":\"https://a.example\",\"sub\":{}}") + ".c2ln"),
                Arguments.of("unencoded payload b64 false",
                        b64("{\"alg\":\"RS256\",\"b64\":false,\"crit\":[\"b64\"]}") + "." + payload + ".c2ln"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedTokens")
    void rejectsMalformedTokens(String name, String token) {
        assertRejected(verifier().verify(token), OidcFailure.MALFORMED_TOKEN, Rejected.MALFORMED_TOKEN, token);
        assertThat(discoveries()).isZero();
    }

    @Test
    void rejectsNullToken() {
        assertRejected(verifier().verify(null), OidcFailure.MALFORMED_TOKEN, Rejected.MALFORMED_TOKEN, "");
    }

    @Test
    void rejectsTooLargeTokenBeforeParsing() {
        String token = issuer.token().claim("padding", "x".repeat(OidcVerifier.MAX_TOKEN_CHARS)).mint();

        assertRejected(verifier().verify(token), OidcFailure.MALFORMED_TOKEN, Rejected.TOKEN_TOO_LARGE, token);
    }

    @Test
    void acceptsTokenJustBelowTheSizeLimit() {
        String base = issuer.token().claim("padding", "").mint();
        String token = issuer.token().claim("padding", "x".repeat((OidcVerifier.MAX_TOKEN_CHARS - base.length()) * 3 / 4 - 4))
                .mint();

        assertThat(token.length()).isBetween(OidcVerifier.MAX_TOKEN_CHARS - 16, OidcVerifier.MAX_TOKEN_CHARS);
        assertVerified(verifier().verify(token));
    }

    @Test
    void rejectsSignedPayloadWithDuplicateKeys() {
        String token = issuer.token().rawPayload("{\"iss\":\"" + issuer.issuer() + "\",\"sub\":\"alice\",\"sub\":\"admin\","
                + "\"exp\":" + CLOCK.instant().plusSeconds(600).getEpochSecond() + "}").mint();

        Rejected rejected = assertRejected(verifier().verify(token), OidcFailure.MALFORMED_TOKEN,
                Rejected.MALFORMED_TOKEN, token);

        assertThat(rejected.detail()).contains("duplicate key");
    }

    // ---- issuer ---------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "iss={0}")
    @ValueSource(strings = {"http://evil.example.com", "https://example.com/path?x=1", "https://user@example.com",
                            "example.com", "https://example.com/../admin", ""})
    void rejectsInvalidIssuerWithoutAnyFetch(String iss) {
        String token = issuer.token().issuer(iss).mint();

        assertRejected(verifier().verify(token), OidcFailure.INVALID_ISSUER, Rejected.INVALID_ISSUER, token);
        assertThat(discoveries()).isZero();
    }

    @Test
    void rejectsMissingIssuerAsInvalidIssuer() {
        String token = issuer.token().rawPayload("{\"sub\":\"x\"}").mint();

        assertRejected(verifier().verify(token), OidcFailure.INVALID_ISSUER, Rejected.INVALID_ISSUER, token);
    }

    @Test
    void rejectsDiscoveryWhoseIssuerDiffers() {
        issuer.respondToDiscovery(Fault.wrongIssuer("https://other.example.com"));
        String token = issuer.token().mint();

        Rejected rejected = assertRejected(verifier().verify(token), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, token);

        assertThat(rejected.detail()).contains("does not equal the token issuer");
        assertThat(jwksFetches()).isZero();
    }

    @Test
    void discoveryIssuerMustMatchExactlyEvenForATrailingSlash() {
        issuer.respondToDiscovery(Fault.wrongIssuer(issuer.issuer() + "/"));

        assertRejected(verifier().verify(issuer.token().mint()), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, "");
    }

    @Test
    void tokenIssuerWithTrailingSlashUsesDiscoveryWithoutIt() {
        issuer.respondToDiscovery(Fault.wrongIssuer(issuer.issuer() + "/"));
        String token = issuer.token().issuer(issuer.issuer() + "/").mint();

        VerifiedToken verified = assertVerified(verifier().verify(token));

        assertThat(verified.issuer()).isEqualTo(issuer.issuer() + "/");
        assertThat(discoveries()).isEqualTo(1);
    }

    // ---- issuer allowlist -------------------------------------------------------------------------------------

    @Test
    void issuerOffTheAllowlistIsRefusedWithoutAnyFetch() {
        OidcVerifier verifier = verifier(settings().withAllowedIssuers(
                IssuerAllowlist.of(Set.of(GITHUB_ISSUER), List.of("https://[a-z]+\\.example\\.com"))));
        String token = issuer.token().mint();

        Rejected rejected = assertRejected(verifier.verify(token), OidcFailure.VERIFICATION_FAILED,
                Rejected.ISSUER_NOT_ALLOWED, token);

        assertThat(rejected.detail()).isEqualTo("issuer \"" + issuer.issuer() + "\" is not on the service's issuer allowlist");
        assertThat(discoveries()).isZero();
        assertThat(jwksFetches()).isZero();
    }

    @Test
    void issuerOnTheAllowlistIsVerifiedAsUsual() {
        OidcVerifier exact = verifier(settings().withAllowedIssuers(IssuerAllowlist.of(Set.of(issuer.issuer()), List.of())));
        OidcVerifier pattern = verifier(settings().withAllowedIssuers(
                IssuerAllowlist.of(Set.of(), List.of("http://127\\.0\\.0\\.1:[0-9]{1,5}"))));
        String token = issuer.token().mint();

        assertVerified(exact.verify(token));
        assertVerified(pattern.verify(token));
    }

    @Test
    void theAllowlistAlsoCoversIssuersWithAJwksOverride(@TempDir Path dir) throws Exception {
        Path jwks = Files.writeString(dir.resolve("jwks.json"), issuer.publicJwksJson());
        OidcVerifier verifier = verifier(settings().withJwksOverrides(Map.of(GITHUB_ISSUER, jwks.toString()))
                .withAllowedIssuers(IssuerAllowlist.of(Set.of("https://accounts.google.com"), List.of())));
        String token = issuer.token().issuer(GITHUB_ISSUER).mint();

        assertRejected(verifier.verify(token), OidcFailure.VERIFICATION_FAILED, Rejected.ISSUER_NOT_ALLOWED, token);
    }

    // ---- keys -----------------------------------------------------------------------------------------------

    @Test
    void unknownKidRefreshesTheKeySetAtMostOncePer30Seconds() {
        OidcVerifier verifier = verifier();
        String token = issuer.token().signWithUnpublishedKey().mint();

        for (int i = 0; i < 3; i++) {
            assertRejected(verifier.verify(token), OidcFailure.VERIFICATION_FAILED, Rejected.UNKNOWN_KEY, token);
        }
        assertThat(jwksFetches()).isEqualTo(1);

        CLOCK.advance(Duration.ofSeconds(31));
        for (int i = 0; i < 3; i++) {
            assertRejected(verifier.verify(token), OidcFailure.VERIFICATION_FAILED, Rejected.UNKNOWN_KEY, token);
        }
        assertThat(jwksFetches()).isEqualTo(2);
        assertThat(discoveries()).isEqualTo(1);
    }

    @Test
    void keyRotationIsPickedUpByTheKidRefresh() {
        try (LocalOidcIssuer rotating = LocalOidcIssuer.start(CLOCK)) {
            OidcVerifier verifier = verifier();
            String oldToken = rotating.token().mint();
            assertVerified(verifier.verify(oldToken));

            rotating.rotateKey();
            String newToken = rotating.token().mint();
            assertThat(rotating.defaultKeyId()).isEqualTo("local-2");
            assertRejected(verifier.verify(newToken), OidcFailure.VERIFICATION_FAILED, Rejected.UNKNOWN_KEY, newToken);

            CLOCK.advance(Duration.ofSeconds(31));
            assertThat(assertVerified(verifier.verify(newToken)).keyId()).isEqualTo("local-2");
            assertRejected(verifier.verify(oldToken), OidcFailure.VERIFICATION_FAILED, Rejected.UNKNOWN_KEY, oldToken);
            assertThat(rotating.jwksRequests()).isEqualTo(2);
        }
    }

    @Test
    void tokenWithoutKidIsRefusedForASetOfSeveralKeys() {
        OidcVerifier verifier = verifier();
        String token = issuer.token().keyId(null).mint();

        Rejected rejected = assertRejected(verifier.verify(token), OidcFailure.VERIFICATION_FAILED,
                Rejected.KID_REQUIRED, token);

        assertThat(rejected.detail()).isEqualTo("token has no kid and the key set of " + issuer.issuer() + " has 6 keys");
        assertThat(jwksFetches()).as("a missing kid is no reason to refresh the keys").isEqualTo(1);
    }

    @Test
    void rejectsSignatureByAnotherKeyUnderAPublishedKid() {
        String forged = issuer.token().signWithUnpublishedKey().keyId(issuer.defaultKeyId()).mint();

        assertRejected(verifier().verify(forged), OidcFailure.VERIFICATION_FAILED, Rejected.BAD_SIGNATURE, forged);
    }

    @Test
    void rejectsTamperedPayload() {
        String[] parts = issuer.token().subject("alice").mint().split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String tampered = parts[0] + "." + b64(payload.replace("alice", "admin")) + "." + parts[2];

        assertRejected(verifier().verify(tampered), OidcFailure.VERIFICATION_FAILED, Rejected.BAD_SIGNATURE, tampered);
    }

    @Test
    void rejectsKeyOfTheRightKidButAnotherAlgorithm() {
        String token = issuer.token().algorithm(JWSAlgorithm.RS384).keyId(issuer.defaultKeyId()).mint();

        assertRejected(verifier().verify(token), OidcFailure.VERIFICATION_FAILED, Rejected.UNKNOWN_KEY, token);
    }

    @Test
    void jwksServerErrorIsAVerificationFailureAndIsNotRetriedAtOnce() {
        issuer.respondToJwks(Fault.status(500));
        OidcVerifier verifier = verifier();
        String token = issuer.token().mint();

        Rejected rejected = assertRejected(verifier.verify(token), OidcFailure.VERIFICATION_FAILED,
                Rejected.JWKS_FETCH_FAILED, token);
        assertThat(rejected.detail()).contains("500");
        issuer.clearFaults();
        assertRejected(verifier.verify(token), OidcFailure.VERIFICATION_FAILED, Rejected.JWKS_FETCH_FAILED, token);
        assertThat(jwksFetches()).isEqualTo(1);

        CLOCK.advance(Duration.ofSeconds(16));
        assertVerified(verifier.verify(token));
        assertThat(jwksFetches()).isEqualTo(2);
    }

    @Test
    void oversizedJwksIsRefused() {
        issuer.respondToJwks(Fault.oversized(10 * 1024 * 1024));
        String token = issuer.token().mint();

        Rejected rejected = assertRejected(verifier().verify(token), OidcFailure.VERIFICATION_FAILED,
                Rejected.JWKS_FETCH_FAILED, token);

        assertThat(rejected.detail()).contains("larger than");
    }

    @Test
    void jwksRedirectWithinLimitsIsFollowed() {
        issuer.respondToJwks(Fault.redirect(issuer.issuer() + LocalOidcIssuer.PLAIN_JWKS_PATH));

        assertVerified(verifier().verify(issuer.token().mint()));
        assertThat(jwksFetches()).isEqualTo(2);
    }

    // ---- discovery fetching and the SSRF guard --------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"https://10.1.2.3/x", "https://172.16.0.5/", "https://192.168.1.1/",
                            "https://169.254.169.254/latest/meta-data/", "https://100.64.0.1/", "https://[fd00::1]/x",
                            "https://[fe80::1]/", "https://0.0.0.0/", "https://[::ffff:10.1.2.3]/"})
    void discoveryRedirectToPrivateAddressIsRefusedBeforeConnecting(String target) {
        issuer.respondToDiscovery(Fault.redirect(target));
        String token = issuer.token().mint();

        Rejected rejected = assertRejected(verifier().verify(token), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, token);

        // The address check names the range; a connection attempt would have timed out or been refused instead.
        assertThat(rejected.detail()).contains("refused host").contains("address");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "ftp://127.0.0.1/x",
                            "https://user:pw@127.0.0.1/", "file:///etc/passwd", "https://127.0.0.1/#frag"})
    void discoveryRedirectBreakingTheUrlRulesIsRefused(String target) {
        issuer.respondToDiscovery(Fault.redirect(target));

        Rejected rejected = assertRejected(verifier().verify(issuer.token().mint()), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, "");

        assertThat(rejected.detail()).contains("refused URL");
    }

    @Test
    void loopbackNameNotInThePrivateHostListIsRefused() {
        issuer.respondToDiscovery(Fault.redirect(
                issuer.issuer().replace("127.0.0.1", "localhost") + LocalOidcIssuer.PLAIN_DISCOVERY_PATH));

        Rejected rejected = assertRejected(verifier().verify(issuer.token().mint()), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, "");

        assertThat(rejected.detail()).contains("refused host localhost").contains("loopback");
        assertThat(discoveries()).isEqualTo(1);
    }

    @Test
    void loopbackIssuerIsRefusedWhenNotListedAsPrivateHost() {
        OidcVerifier strict = verifier(settings().withPrivateNetworkHosts(Set.of()));

        Rejected rejected = assertRejected(strict.verify(issuer.token().mint()), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, "");

        assertThat(rejected.detail()).contains("loopback");
        assertThat(discoveries()).isZero();
    }

    @Test
    void discoveryRedirectsAreFollowedUpToThree() {
        issuer.respondToDiscovery(Fault.redirect(issuer.issuer() + LocalOidcIssuer.PLAIN_DISCOVERY_PATH));

        assertVerified(verifier().verify(issuer.token().mint()));
        assertThat(discoveries()).isEqualTo(2);
    }

    @Test
    void discoveryRedirectLoopStopsAfterThreeRedirects() {
        issuer.respondToDiscovery(Fault.redirect(LocalOidcIssuer.DISCOVERY_PATH));

        Rejected rejected = assertRejected(verifier().verify(issuer.token().mint()), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, "");

        assertThat(rejected.detail()).contains("more than 3 redirects");
        assertThat(discoveries()).isEqualTo(4);
    }

    @Test
    void tenMegabyteDiscoveryDocumentIsRefusedWhileStreaming() {
        issuer.respondToDiscovery(Fault.oversized(10 * 1024 * 1024));

        Rejected rejected = assertRejected(verifier().verify(issuer.token().mint()), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, "");

        assertThat(rejected.detail()).contains("response body is larger than the 102400 bytes allowed");
    }

    @Test
    void discoveryDeclaringTenMegabytesIsRefusedFromItsHeaders() {
        issuer.respondToDiscovery(Fault.oversizedWithLength(10 * 1024 * 1024));

        Rejected rejected = assertRejected(verifier().verify(issuer.token().mint()), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, "");

        assertThat(rejected.detail()).contains("declares 10485760 bytes");
    }

    @Test
    void documentJustUnderTheCapIsRead() {
        issuer.respondToDiscovery(Fault.oversized(100 * 1024));

        Rejected rejected = assertRejected(verifier().verify(issuer.token().mint()), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, "");

        // Read in full and parsed: it is valid JSON without an issuer.
        assertThat(rejected.detail()).contains("document issuer is missing");
    }

    @Test
    void slowDiscoveryIsCutOffByTheReadTimeout() {
        issuer.respondToDiscovery(Fault.stalled(Duration.ofMillis(900)));
        OidcVerifier verifier = verifier(new OidcSettings(Map.of(), Set.of("127.0.0.1"), Duration.ofSeconds(2),
                Duration.ofMillis(200), CLOCK));

        Rejected rejected = assertRejected(verifier.verify(issuer.token().mint()), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, "");

        assertThat(rejected.detail()).contains("no complete response within 200 ms");
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {404, 500, 503, 204})
    void discoveryHttpErrorIsProviderUnavailable(int status) {
        issuer.respondToDiscovery(Fault.status(status));

        Rejected rejected = assertRejected(verifier().verify(issuer.token().mint()), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, "");

        assertThat(rejected.detail()).contains("HTTP status " + status);
    }

    @Test
    void failedDiscoveryIsCachedBriefly() {
        OidcVerifier verifier = verifier();
        issuer.respondToDiscovery(Fault.status(500));
        String token = issuer.token().mint();
        assertRejected(verifier.verify(token), OidcFailure.PROVIDER_UNAVAILABLE, Rejected.DISCOVERY_FAILED, token);
        issuer.clearFaults();

        assertRejected(verifier.verify(token), OidcFailure.PROVIDER_UNAVAILABLE, Rejected.DISCOVERY_FAILED, token);
        assertThat(discoveries()).isEqualTo(1);

        CLOCK.advance(Duration.ofSeconds(16));
        assertVerified(verifier.verify(token));
        assertThat(discoveries()).isEqualTo(2);
    }

    private static String discoveryDocument(String extraFields) {
        return "{\"issuer\":\"" + issuer.issuer() + "\",\"jwks_uri\":\"" + issuer.jwksUri() + "\"" + extraFields + "}";
    }

    static Stream<Arguments> unusableDiscoveryDocuments() {
        return Stream.of(
                Arguments.of("not JSON", "<html>hello</html>", "not valid JSON"),
                Arguments.of("JSON array", "[]", "not a JSON object"),
                Arguments.of("duplicate key", "{\"issuer\":\"x\",\"issuer\":\"y\"}", "not valid JSON"),
                Arguments.of("issuer missing", "{\"jwks_uri\":\"https://k.example/jwks\"}", "issuer is missing"),
                Arguments.of("jwks_uri missing", "ISSUER_ONLY", "no jwks_uri"),
                Arguments.of("jwks_uri plain http", "JWKS_URI=http://keys.example.com/jwks", "is refused"),
                Arguments.of("jwks_uri with userinfo", "JWKS_URI=https://u@keys.example.com/jwks", "is refused"),
                Arguments.of("jwks_uri not a URL", "JWKS_URI=https://a b/", "not a valid URL"),
                Arguments.of("algorithms not an array", ",\"id_token_signing_alg_values_supported\":\"RS256\"",
                        "is not an array"),
                Arguments.of("token_endpoint a number", ",\"token_endpoint\":5", "token_endpoint is not a string"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unusableDiscoveryDocuments")
    void unusableDiscoveryDocumentIsProviderUnavailable(String name, String document, String expected) {
        String body;
        if (document.equals("ISSUER_ONLY")) {
            body = "{\"issuer\":\"" + issuer.issuer() + "\"}";
        } else if (document.startsWith("JWKS_URI=")) {
            body = "{\"issuer\":\"" + issuer.issuer() + "\",\"jwks_uri\":\"" + document.substring(9) + "\"}";
        } else if (document.startsWith(",")) {
            body = discoveryDocument(document);
        } else {
            body = document;
        }
        issuer.respondToDiscovery(Fault.body(body));

        Rejected rejected = assertRejected(verifier().verify(issuer.token().mint()), OidcFailure.PROVIDER_UNAVAILABLE,
                Rejected.DISCOVERY_FAILED, "");

        assertThat(rejected.detail()).contains(expected);
        assertThat(jwksFetches()).isZero();
    }

    @Test
    void advertisedAlgorithmsRestrictTheIssuer() {
        issuer.respondToDiscovery(Fault.body(discoveryDocument(
                ",\"id_token_signing_alg_values_supported\":[\"RS256\",\"EdDSA\"]")));
        OidcVerifier verifier = verifier();
        String es256 = issuer.token().algorithm(JWSAlgorithm.ES256).mint();

        assertVerified(verifier.verify(issuer.token().mint()));
        Rejected rejected = assertRejected(verifier.verify(es256), OidcFailure.VERIFICATION_FAILED,
                Rejected.UNSUPPORTED_ALGORITHM, es256);
        assertThat(rejected.detail()).contains("discovery document");
    }

    @Test
    void advertisingNoneOfOurAlgorithmsLeavesAllSixAccepted() {
        issuer.respondToDiscovery(Fault.body(discoveryDocument(
                ",\"id_token_signing_alg_values_supported\":[\"EdDSA\"]")));

        assertVerified(verifier().verify(issuer.token().algorithm(JWSAlgorithm.ES256).mint()));
    }

    @Test
    void jwksThatIsNotAKeySetIsAJwksFailure() {
        issuer.respondToJwks(Fault.body("{\"not\":\"keys\"}"));
        String token = issuer.token().mint();

        Rejected rejected = assertRejected(verifier().verify(token), OidcFailure.VERIFICATION_FAILED,
                Rejected.JWKS_FETCH_FAILED, token);

        assertThat(rejected.detail()).contains("is not a valid JWKS");
    }

    @Test
    void keysForEncryptionOrWithoutPublicKeyTypeAreNotUsed() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<Object> keys = new ArrayList<>();
        for (JsonNode key : json.readTree(issuer.publicJwksJson()).get("keys")) {
            keys.add(((ObjectNode) key.deepCopy()).put("use", "enc"));
        }
        keys.add(Map.of("kty", "oct", "kid", "local-hs256", "k", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"));
        issuer.respondToJwks(Fault.body(json.writeValueAsString(Map.of("keys", keys))));
        String token = issuer.token().mint();

        Rejected rejected = assertRejected(verifier().verify(token), OidcFailure.VERIFICATION_FAILED,
                Rejected.NO_USABLE_KEYS, token);

        assertThat(rejected.detail()).endsWith("has no usable key (dropped: 6 not_for_signing, 1 unsupported_key_type)");
    }

    // ---- claims ---------------------------------------------------------------------------------------------

    @Test
    void rejectsExpiredToken() {
        String token = issuer.token().lifetime(Duration.ofSeconds(-1)).mint();

        assertRejected(verifier().verify(token), OidcFailure.VERIFICATION_FAILED, Rejected.TOKEN_EXPIRED, token);
    }

    @Test
    void expiryHasNoLeeway() {
        OidcVerifier verifier = verifier();
        Instant exp = Instant.ofEpochSecond(CLOCK.instant().getEpochSecond() + 60);
        String token = issuer.token().claim("exp", exp.getEpochSecond()).mint();

        CLOCK.set(exp);
        assertThat(assertVerified(verifier.verify(token)).expiresAt()).isEqualTo(exp);
        CLOCK.set(exp.plusMillis(1));
        assertRejected(verifier.verify(token), OidcFailure.VERIFICATION_FAILED, Rejected.TOKEN_EXPIRED, token);
    }

    @Test
    void rejectsTokenWithoutExpAsExpired() {
        String token = issuer.token().withoutExp().mint();

        assertRejected(verifier().verify(token), OidcFailure.VERIFICATION_FAILED, Rejected.MISSING_EXP, token);
    }

    @Test
    void notBeforeMayBeAtMostFiveMinutesAhead() {
        OidcVerifier verifier = verifier();
        String early = issuer.token().notBefore(CLOCK.instant().plus(Duration.ofMinutes(6))).mint();
        String slightlyEarly = issuer.token().notBefore(CLOCK.instant().plus(Duration.ofMinutes(4))).mint();

        assertRejected(verifier.verify(early), OidcFailure.VERIFICATION_FAILED, Rejected.NBF_IN_FUTURE, early);
        assertVerified(verifier.verify(slightlyEarly));
    }

    static Stream<Arguments> badClaimTypes() {
        return Stream.of(
                Arguments.of("exp", "1999999999"),
                Arguments.of("exp", true),
                Arguments.of("exp", 1e300),
                Arguments.of("nbf", "soon"),
                Arguments.of("iat", List.of(1)),
                Arguments.of("aud", 42),
                Arguments.of("aud", List.of("a", 1)),
                Arguments.of("nonce", 7));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badClaimTypes")
    void rejectsRegisteredClaimsOfTheWrongType(String claim, Object value) {
        String token = issuer.token().claim(claim, value).mint();

        assertRejected(verifier().verify(token), OidcFailure.VERIFICATION_FAILED, Rejected.INVALID_CLAIMS, token);
    }

    @Test
    void verifiedTokenCarriesTheWholePayloadWithJsonTypes() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("k", "v");
        nested.put("n", null);
        String token = issuer.token().subject("alice").audience("a", "b")
                .claim("email_verified", true)
                .claim("small", 7)
                .claim("large", 5_000_000_000L)
                .claim("huge", new BigInteger("123456789012345678901234567890"))
                .claim("ratio", 0.5)
                .claim("list", List.of("x", 1))
                .claim("object", nested)
                .claim("nothing", null)
                .mint();

        VerifiedToken verified = assertVerified(verifier().verify(token));

        assertThat(verified.audience()).containsExactly("a", "b");
        Map<String, Object> claims = verified.claims();
        assertThat(claims.get("email_verified")).isEqualTo(Boolean.TRUE);
        assertThat(claims.get("small")).isEqualTo(7);
        assertThat(claims.get("large")).isEqualTo(5_000_000_000L);
        assertThat(claims.get("huge")).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(claims.get("ratio")).isEqualTo(0.5);
        assertThat(claims.get("list")).isEqualTo(List.of("x", 1));
        assertThat(claims.get("object")).isEqualTo(nested);
        assertThat(claims).containsEntry("nothing", null).containsKey("exp").containsKey("iat");
        assertThat(claims.get("iss")).isEqualTo(issuer.issuer());
    }

    @Test
    void audienceIsDecodedLikeGoOidc() {
        OidcVerifier verifier = verifier();

        assertThat(assertVerified(verifier.verify(issuer.token().audience("one").mint())).audience())
                .containsExactly("one");
        assertThat(assertVerified(verifier.verify(issuer.token().mint())).audience()).isEmpty();
        assertThat(assertVerified(verifier.verify(issuer.token().claim("aud", null).mint())).audience())
                .containsExactly("");
        assertThat(assertVerified(verifier.verify(issuer.token().claim("aud", List.of()).mint())).audience()).isEmpty();
        assertThat(assertVerified(verifier.verify(issuer.token().subject(null).mint())).subject()).isEmpty();
    }

    // ---- JWKS overrides -------------------------------------------------------------------------------------

    @Test
    void overrideFromFileVerifiesWithoutAnyNetwork(@TempDir Path dir) throws Exception {
        Path jwks = Files.writeString(dir.resolve("github.jwks.json"), issuer.publicJwksJson());
        OidcVerifier verifier = verifier(settings().withPrivateNetworkHosts(Set.of())
                .withJwksOverrides(Map.of(GITHUB_ISSUER, jwks.toString())));
        String token = issuer.token().issuer(GITHUB_ISSUER).subject("repo:octo-org/octo-repo:ref:refs/heads/main")
                .audience("octo-sts.dev").algorithm(JWSAlgorithm.ES256).mint();

        VerifiedToken verified = assertVerified(verifier.verify(token));

        assertThat(verified.issuer()).isEqualTo(GITHUB_ISSUER);
        assertThat(verified.keyId()).isEqualTo("local-es256");
        assertThat(discoveries()).isZero();
        assertThat(jwksFetches()).isZero();
    }

    @Test
    void schemelessGoogleIssuerIsNormalisedForLookupButReportedAsSigned(@TempDir Path dir) throws Exception {
        Path jwks = Files.writeString(dir.resolve("google.jwks.json"), issuer.publicJwksJson());
        OidcVerifier verifier = verifier(settings().withJwksOverrides(Map.of("https://accounts.google.com", jwks.toString())));

        VerifiedToken verified = assertVerified(verifier.verify(issuer.token().issuer("accounts.google.com").mint()));

        assertThat(verified.issuer()).isEqualTo("accounts.google.com");
        assertThat(OidcFields.isValidIssuer(verified.issuer())).isFalse();
    }

    @Test
    void overrideFromLoopbackUrlSkipsDiscovery() {
        OidcVerifier verifier = verifier(settings().withJwksOverrides(Map.of(GITHUB_ISSUER, issuer.jwksUri().toString())));
        String token = issuer.token().issuer(GITHUB_ISSUER).mint();

        assertVerified(verifier.verify(token));
        assertVerified(verifier.verify(token));

        assertThat(discoveries()).isZero();
        assertThat(jwksFetches()).isEqualTo(1);
    }

    @Test
    void overrideUrlIsStillSubjectToTheAddressGuard() {
        OidcVerifier verifier = verifier(new OidcSettings(Map.of(GITHUB_ISSUER, issuer.jwksUri().toString()), Set.of(),
                Duration.ofSeconds(2), Duration.ofSeconds(5), CLOCK));
        String token = issuer.token().issuer(GITHUB_ISSUER).mint();

        Rejected rejected = assertRejected(verifier.verify(token), OidcFailure.VERIFICATION_FAILED,
                Rejected.JWKS_FETCH_FAILED, token);

        assertThat(rejected.detail()).contains("loopback");
        assertThat(jwksFetches()).isZero();
    }

    @Test
    void missingOverrideFileIsAJwksFailure(@TempDir Path dir) throws Exception {
        Path jwks = Files.writeString(dir.resolve("gone.json"), issuer.publicJwksJson());
        OidcVerifier verifier = verifier(settings().withJwksOverrides(Map.of(GITHUB_ISSUER, jwks.toString())));
        Files.delete(jwks);
        String token = issuer.token().issuer(GITHUB_ISSUER).mint();

        assertRejected(verifier.verify(token), OidcFailure.VERIFICATION_FAILED, Rejected.JWKS_FETCH_FAILED, token);
    }

    // ---- caches ---------------------------------------------------------------------------------------------

    @Test
    void twoVerificationsFetchDiscoveryAndKeysOnce() {
        OidcVerifier verifier = verifier();

        assertVerified(verifier.verify(issuer.token().mint()));
        assertVerified(verifier.verify(issuer.token().algorithm(JWSAlgorithm.PS256).mint()));

        assertThat(discoveries()).isEqualTo(1);
        assertThat(jwksFetches()).isEqualTo(1);
    }

    @Test
    void keysExpireAfterTenMinutesAndDiscoveryAfterAnHour() {
        OidcVerifier verifier = verifier();
        assertVerified(verifier.verify(issuer.token().mint()));

        CLOCK.advance(Duration.ofMinutes(11));
        assertVerified(verifier.verify(issuer.token().mint()));
        assertThat(discoveries()).isEqualTo(1);
        assertThat(jwksFetches()).isEqualTo(2);

        CLOCK.advance(Duration.ofMinutes(50));
        assertVerified(verifier.verify(issuer.token().mint()));
        assertThat(discoveries()).isEqualTo(2);
        assertThat(jwksFetches()).isEqualTo(3);
    }

    @Test
    void concurrentColdRequestsShareOneDiscoveryAndOneKeyFetch() throws Exception {
        OidcVerifier verifier = verifier();
        String token = issuer.token().mint();
        List<Callable<OidcResult>> calls = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            calls.add(() -> verifier.verify(token));
        }

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<OidcResult> result : threads.invokeAll(calls)) {
                assertVerified(result.get());
            }
        }

        assertThat(discoveries()).isEqualTo(1);
        assertThat(jwksFetches()).isEqualTo(1);
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
