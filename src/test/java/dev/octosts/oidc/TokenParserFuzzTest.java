package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import dev.octosts.oidc.OidcResult.Rejected;
import dev.octosts.oidc.OidcResult.Verified;
import dev.octosts.testing.FuzzArbitraries;
import dev.octosts.testing.FuzzArbitraries.Edit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing the token parser and verifier offline (a JWKS file, no network): any text, edited valid tokens,
 * foreign headers and payloads under a valid signature, and any claims signed by the issuer or a stranger.
 * A token is refused with a reason, never with an unexpected exception (which the verifier would report as
 * {@code internal_error}), and never accepted unless the issuer's key signed exactly its header and payload.
 */
class TokenParserFuzzTest {
    private static final String ISSUER = "https://issuer.fuzz.test";
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> HEADER_NAMES = List.of("alg", "kid", "typ", "cty", "crit", "b64", "jwk", "jku",
            "x5u", "x5c", "zip", "enc");
    private static final List<String> CLAIM_NAMES = List.of("iss", "sub", "aud", "exp", "nbf", "iat", "nonce",
            "at_hash", "_claim_names", "_claim_sources", "repository", "ref");
    private static final List<String> ALGORITHMS = List.of("RS256", "RS384", "RS512", "PS256", "ES256", "ES384",
            "HS256", "none", "None", "EdDSA", "ES512", "PS512", "");

    private static RSAKey rsa;
    private static ECKey ec;
    private static ECKey stranger;
    private static Path dir;
    private static OidcVerifier verifier;
    private static List<String> validTokens;

    @BeforeContainer
    static void issuerKeysAndVerifier() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-key").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-key").generate();
        stranger = new ECKeyGenerator(Curve.P_256).keyID("ec-key").generate();
        dir = Files.createTempDirectory("token-fuzz");
        Path jwks = Files.writeString(dir.resolve("jwks.json"),
                new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
        verifier = new OidcVerifier(new OidcSettings(Map.of(ISSUER, jwks.toString()), Set.of(), Duration.ofSeconds(1),
                Duration.ofSeconds(1), Clock.fixed(NOW, ZoneOffset.UTC)));
        validTokens = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ObjectNode claims = NODES.objectNode().put("iss", ISSUER).put("sub", "repo:org/repo:ref:refs/heads/main" + i)
                    .put("aud", "octo-sts.test").put("exp", NOW.getEpochSecond() + 600).put("iat", NOW.getEpochSecond());
            String rsaToken = sign(rsa, JWSAlgorithm.RS256, claims);
            String ecToken = sign(ec, JWSAlgorithm.ES256, claims);
            assertThat(verifier.verify(rsaToken)).isInstanceOf(Verified.class);
            assertThat(verifier.verify(ecToken)).isInstanceOf(Verified.class);
            validTokens.add(rsaToken);
            validTokens.add(ecToken);
        }
    }

    @AfterContainer
    static void close() throws Exception {
        verifier.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    // ---- the property -----------------------------------------------------------------------------------------

    /** One generated input: which kind, and what it is made of. */
    private sealed interface Case {
        /** Any text, or dotted parts of base64url of any bytes or JSON. */
        record AnyText(String token) implements Case {
        }

        /** A valid token with characters replaced, inserted, deleted, duplicated, cut or rotated. */
        record Edited(String token, List<Edit> edits) implements Case {
        }

        /** A valid token's signature under another header or payload. */
        record Foreign(String token, JsonNode replacement, boolean replaceHeader) implements Case {
        }

        /** Any claims, signed by the issuer's key. */
        record SignedByIssuer(ObjectNode claims) implements Case {
        }

        /** Any claims, signed by a stranger's key that claims the issuer's kid and may carry its own key or key URL. */
        record SignedByStranger(ObjectNode claims, ObjectNode header) implements Case {
        }
    }

    @Property
    void aTokenIsRefusedWithAReasonUnlessTheIssuerSignedItAndItsClaimsHold(@ForAll("tokenCase") Case input)
            throws Exception {
        switch (input) {
            case Case.AnyText(String token) -> {
                parseOrRefuse(token);
                assertRefused(verifier.verify(token));
            }
            case Case.Edited(String token, List<Edit> edits) -> acceptedOnlyWithTheSameSignedBytes(
                    FuzzArbitraries.apply(token, edits), token);
            case Case.Foreign(String token, JsonNode replacement, boolean replaceHeader) -> {
                String[] parts = token.split("\\.");
                String encoded = base64Url(JSON.writeValueAsBytes(replacement));
                acceptedOnlyWithTheSameSignedBytes(replaceHeader ? encoded + "." + parts[1] + "." + parts[2]
                        : parts[0] + "." + encoded + "." + parts[2], token);
            }
            case Case.SignedByIssuer(ObjectNode claims) -> {
                String token = sign(ec, JWSAlgorithm.ES256, claims);
                parseOrRefuse(token);
                OidcResult result = verifier.verify(token);
                if (result instanceof Verified verified) {
                    assertThat(claims.path("iss").asText()).isEqualTo(ISSUER);
                    assertThat(claims.path("exp").isNumber()).as("exp is a number").isTrue();
                    assertThat(claims.path("exp").asDouble()).isGreaterThanOrEqualTo(NOW.getEpochSecond());
                    assertThat(verified.token().issuer()).isEqualTo(ISSUER);
                } else {
                    assertRefused(result);
                }
            }
            case Case.SignedByStranger(ObjectNode claims, ObjectNode header) -> {
                String signingInput = base64Url(JSON.writeValueAsBytes(header)) + "."
                        + base64Url(JSON.writeValueAsBytes(claims));
                Base64URL signature = new ECDSASigner(stranger).sign(new JWSHeader(JWSAlgorithm.ES256),
                        signingInput.getBytes(StandardCharsets.US_ASCII));
                String token = signingInput + "." + signature;
                parseOrRefuse(token);
                assertRefused(verifier.verify(token));
            }
        }
    }

    private static void acceptedOnlyWithTheSameSignedBytes(String token, String original) {
        parseOrRefuse(token);
        OidcResult result = verifier.verify(token);
        if (result instanceof Verified) {
            assertSameSignedBytes(token, original);
        } else {
            assertRefused(result);
        }
    }

    // ---- generators ------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<Case> tokenCase() {
        return Arbitraries.oneOf(
                anyToken().map(Case.AnyText::new),
                Combinators.combine(validToken(), tokenEdits()).as(Case.Edited::new),
                Combinators.combine(validToken(), headerOrPayload(), Arbitraries.of(true, false)).as(Case.Foreign::new),
                claims().map(Case.SignedByIssuer::new),
                Combinators.combine(claims(), strangerHeader()).as(Case.SignedByStranger::new));
    }

    private Arbitrary<String> anyToken() {
        Arbitrary<String> part = Arbitraries.oneOf(
                Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                        .ofMaxLength(80),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(60).map(TokenParserFuzzTest::base64Url),
                FuzzArbitraries.json(2, HEADER_NAMES).map(TokenParserFuzzTest::jsonBase64Url),
                FuzzArbitraries.text(20));
        Arbitrary<String> dotted = part.list().ofMinSize(1).ofMaxSize(6).map(parts -> String.join(".", parts));
        return Arbitraries.frequencyOf(Tuple.of(1, FuzzArbitraries.text(300)), Tuple.of(3, dotted),
                Tuple.of(1, Arbitraries.of("", ".", "..", "...", "....", "a.b.c", "e30.e30.", "e30.e30.e30",
                        "e30.e30.e30.e30.e30", "W10.W10.AA", "bnVsbA.bnVsbA.AA")));
    }

    private Arbitrary<String> validToken() {
        return Arbitraries.of(validTokens);
    }

    private Arbitrary<List<Edit>> tokenEdits() {
        return FuzzArbitraries.edits("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/", 3);
    }

    /** A JSON header or payload: an edited real one, or any JSON around the header and claim names. */
    private Arbitrary<JsonNode> headerOrPayload() {
        return Arbitraries.oneOf(strangerHeader().map(h -> h), claims().map(c -> c),
                FuzzArbitraries.json(2, HEADER_NAMES), FuzzArbitraries.json(2, CLAIM_NAMES));
    }

    private Arbitrary<ObjectNode> claims() {
        Arbitrary<JsonNode> issuer = Arbitraries.of(ISSUER, ISSUER + "/", "accounts.google.com", "http://issuer.fuzz.test",
                "https://other.fuzz.test", "").map(NODES::textNode);
        Arbitrary<JsonNode> times = Arbitraries.oneOf(
                Arbitraries.longs().between(NOW.getEpochSecond() - 1_000, NOW.getEpochSecond() + 1_000).map(NODES::numberNode),
                Arbitraries.of(NOW.getEpochSecond() + 600.5, 1e300, -1e300, 253402300800.0, -62135596801.0)
                        .map(NODES::numberNode),
                Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, 0L).map(NODES::numberNode),
                Arbitraries.of("1900000000", "").map(NODES::textNode));
        Arbitrary<JsonNode> audience = Arbitraries.oneOf(FuzzArbitraries.text(20).map(NODES::textNode),
                FuzzArbitraries.text(10).list().ofMaxSize(3).map(l -> {
                    var array = NODES.arrayNode();
                    l.forEach(array::add);
                    return array;
                }));
        Arbitrary<ObjectNode> extra = FuzzArbitraries.json(1, CLAIM_NAMES)
                .map(node -> node instanceof ObjectNode object ? object : NODES.objectNode());
        return Combinators.combine(optional(issuer), optional(FuzzArbitraries.text(40).map(NODES::textNode)),
                optional(audience), optional(times), optional(times), optional(times), extra).as(
                (iss, sub, aud, exp, nbf, iat, more) -> {
                    ObjectNode claims = more.deepCopy();
                    iss.ifPresent(v -> claims.set("iss", v));
                    sub.ifPresent(v -> claims.set("sub", v));
                    aud.ifPresent(v -> claims.set("aud", v));
                    exp.ifPresent(v -> claims.set("exp", v));
                    nbf.ifPresent(v -> claims.set("nbf", v));
                    iat.ifPresent(v -> claims.set("iat", v));
                    return claims;
                });
    }

    private Arbitrary<ObjectNode> strangerHeader() {
        Arbitrary<JsonNode> alg = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of(ALGORITHMS).map(NODES::textNode)),
                Tuple.of(1, FuzzArbitraries.json(1, HEADER_NAMES)));
        Arbitrary<JsonNode> kid = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of("ec-key", "rsa-key", "", "other")
                .map(NODES::textNode)), Tuple.of(1, FuzzArbitraries.json(1, HEADER_NAMES)));
        Arbitrary<JsonNode> embeddedKey = Arbitraries.of(1, 2, 3, 4).map(which -> switch (which) {
            case 1 -> jsonOf(stranger.toPublicJWK().toJSONString());
            case 2 -> jsonOf(ec.toPublicJWK().toJSONString());
            case 3 -> NODES.textNode("https://attacker.fuzz.test/jwks.json");
            default -> NODES.textNode("http://127.0.0.1:1/jwks.json");
        });
        Arbitrary<ObjectNode> extra = FuzzArbitraries.json(1, HEADER_NAMES)
                .map(node -> node instanceof ObjectNode object ? object : NODES.objectNode());
        return Combinators.combine(alg, optional(kid), optional(embeddedKey), Arbitraries.of("jwk", "jku", "x5u"), extra)
                .as((a, k, key, keyHeader, more) -> {
                    ObjectNode header = more.deepCopy();
                    header.set("alg", a);
                    k.ifPresent(v -> header.set("kid", v));
                    key.ifPresent(v -> header.set(keyHeader, v));
                    return header;
                });
    }

    private static <T> Arbitrary<Optional<T>> optional(Arbitrary<T> value) {
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(Optional.<T>empty())),
                Tuple.of(3, value.map(Optional::of)));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** The parser either takes a token apart or refuses it with its documented {@link Rejection}. */
    private static void parseOrRefuse(String token) {
        try {
            CompactJws.parse(token);
        } catch (Rejection expected) {
            assertThat(expected.rejected().reason()).isNotBlank();
        }
    }

    private static void assertRefused(OidcResult result) {
        Rejected rejected = assertThat(result).as("an unsigned or foreign token is never verified")
                .isInstanceOf(Rejected.class).asInstanceOf(
                        org.assertj.core.api.InstanceOfAssertFactories.type(Rejected.class)).actual();
        assertThat(rejected.reason()).as(rejected.detail()).isNotEqualTo(Rejected.INTERNAL_ERROR);
    }

    /** What the issuer signed: header and payload as sent, and the signature's bytes. */
    private static void assertSameSignedBytes(String accepted, String original) {
        String[] a = accepted.split("\\.", -1);
        String[] o = original.split("\\.", -1);
        assertThat(a[0] + "." + a[1]).as("signed header and payload").isEqualTo(o[0] + "." + o[1]);
        assertThat(Base64.getUrlDecoder().decode(a[2])).as("signature bytes").isEqualTo(Base64.getUrlDecoder().decode(o[2]));
    }

    private static String sign(com.nimbusds.jose.jwk.JWK key, JWSAlgorithm alg, ObjectNode claims) throws Exception {
        JWSObject jws = new JWSObject(new JWSHeader.Builder(alg).keyID(key.getKeyID()).build(),
                new Payload(JSON.writeValueAsString(claims)));
        try {
            jws.sign(key instanceof RSAKey r ? new RSASSASigner(r) : new ECDSASigner((ECKey) key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jws.serialize();
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String jsonBase64Url(JsonNode node) {
        try {
            return base64Url(JSON.writeValueAsBytes(node));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode jsonOf(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

}
