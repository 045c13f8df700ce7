package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.dev.LocalOidcIssuer.Fault;
import dev.octosts.oidc.OidcResult.Rejected;
import dev.octosts.oidc.OidcResult.Verified;
import dev.octosts.testing.MutableClock;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Key sets an attacker publishes to make each verification expensive, served by a real issuer over HTTP.
 * The CPU time of a verification is printed for the record, never asserted; what is asserted is the
 * refusal and how many signature checks it could have cost.
 */
class HostileKeySetTest {
    private static final MutableClock CLOCK = new MutableClock(Instant.now());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger F4 = BigInteger.valueOf(65_537);

    private LocalOidcIssuer issuer;
    private OidcVerifier verifier;

    @BeforeEach
    void start() {
        issuer = LocalOidcIssuer.start(CLOCK);
        verifier = new OidcVerifier(new OidcSettings(Map.of(), Set.of("127.0.0.1"), Duration.ofSeconds(2),
                Duration.ofSeconds(5), CLOCK));
    }

    @AfterEach
    void stop() {
        verifier.close();
        issuer.close();
    }

    /**
     * The attack as measured: 88 RSA-3072 keys with ~3,070-bit public exponents, all under the token's kid
     * (about 97 KB, under the 100 KiB fetch cap), and a 384-byte signature. Every key is refused when the set
     * is read, so no signature is checked at all.
     */
    @Test
    void keysWithHugeExponentsAreDroppedSoNoSignatureIsChecked() throws Exception {
        Random random = new Random(14);
        List<Map<String, String>> keys = new ArrayList<>();
        for (int i = 0; i < 88; i++) {
            keys.add(rsaKey("k", modulus(3072, random), oddNumber(3070, random)));
        }
        String jwks = jwks(keys);
        assertThat(jwks.length()).as("about 97 KB, under the 100 KiB fetch cap").isEqualTo(95_754);
        issuer.respondToJwks(Fault.body(jwks));
        String token = forgedToken("k", 384, random);

        Rejected rejected = rejectedTimed("88 keys with 3,070-bit exponents", token);

        assertThat(rejected.reason()).as(rejected.detail()).isEqualTo(Rejected.NO_USABLE_KEYS);
        assertThat(rejected.failure()).isEqualTo(OidcFailure.VERIFICATION_FAILED);
        assertThat(rejected.detail()).contains("88 rsa_exponent");
        assertThat(issuer.jwksRequests()).as("the unknown-kid refresh is rate limited").isEqualTo(1);
    }

    /** Well-formed keys, all under one kid: only the first four are kept, so at most four checks per token. */
    @Test
    void manyKeysUnderOneKidCostAtMostFourSignatureChecks() throws Exception {
        Random random = new Random(15);
        List<Map<String, String>> keys = new ArrayList<>();
        for (int i = 0; i < 88; i++) {
            keys.add(rsaKey("k", modulus(4096, random), F4));
        }
        issuer.respondToJwks(Fault.body(jwks(keys)));
        String token = forgedToken("k", 512, random);

        Rejected rejected = rejectedTimed("88 RSA-4096 keys under one kid", token);

        assertThat(rejected.reason()).as(rejected.detail()).isEqualTo(Rejected.BAD_SIGNATURE);
        assertThat(rejected.detail()).contains("any of the 4 matching keys");
    }

    /** Beyond 100 usable keys the rest of the set is dropped, whatever their kids. */
    @Test
    void keysBeyondTheHundredthAreDropped() throws Exception {
        Random random = new Random(16);
        List<Map<String, String>> keys = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            keys.add(rsaKey("k" + i, modulus(2048, random), F4));
        }
        issuer.respondToJwks(Fault.body(jwks(keys)));

        Rejected kept = rejectedTimed("key 100 of 150", forgedToken("k99", 256, random));
        Rejected dropped = rejectedTimed("key 101 of 150", forgedToken("k100", 256, random));

        assertThat(kept.reason()).as(kept.detail()).isEqualTo(Rejected.BAD_SIGNATURE);
        assertThat(dropped.reason()).as(dropped.detail()).isEqualTo(Rejected.UNKNOWN_KEY);
        assertThat(dropped.detail()).contains("50 key_limit");
    }

    /** A token without kid is checked against a one-key set (a larger set refuses it: see OidcVerifierTest). */
    @Test
    void aTokenWithoutKidVerifiesWithTheOnlyKeyOfItsSet() throws Exception {
        Map<?, ?> all = JSON.readValue(issuer.publicJwksJson(), Map.class);
        Object defaultKey = ((List<?>) all.get("keys")).getFirst();
        issuer.respondToJwks(Fault.body(JSON.writeValueAsString(Map.of("keys", List.of(defaultKey)))));

        OidcResult result = verifier.verify(issuer.token().keyId(null).mint());

        assertThat(result).asInstanceOf(type(Verified.class)).extracting(v -> v.token().keyId())
                .isEqualTo(issuer.defaultKeyId());
    }

    /** One hostile key does not cost the issuer its good keys. */
    @Test
    void aHostileKeyBesideGoodOnesIsDroppedAlone() throws Exception {
        Map<?, ?> all = JSON.readValue(issuer.publicJwksJson(), Map.class);
        List<Object> keys = new ArrayList<>((List<?>) all.get("keys"));
        keys.add(rsaKey(issuer.defaultKeyId(), modulus(3072, new Random(17)), oddNumber(3070, new Random(18))));
        issuer.respondToJwks(Fault.body(JSON.writeValueAsString(Map.of("keys", keys))));

        assertThat(verifier.verify(issuer.token().mint())).isInstanceOf(Verified.class);
        Rejected forged = rejectedTimed("forged beside a hostile key",
                issuer.token().signWithUnpublishedKey().keyId(issuer.defaultKeyId()).mint());
        assertThat(forged.detail()).contains("the matching key");
    }

    private Rejected rejectedTimed(String what, String token) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cold = threads.getCurrentThreadCpuTime();
        OidcResult first = verifier.verify(token);
        long warm = threads.getCurrentThreadCpuTime();
        verifier.verify(token);
        long end = threads.getCurrentThreadCpuTime();
        System.out.printf("%s: first verification %.2f ms CPU (fetch included), second %.2f ms CPU: %s%n", what,
                (warm - cold) / 1e6, (end - warm) / 1e6, first);
        return assertThat(first).asInstanceOf(type(Rejected.class)).actual();
    }

    /** A random number of exactly {@code bits} bits with its top byte all ones, so any shorter signature is below it. */
    private static BigInteger modulus(int bits, Random random) {
        BigInteger n = new BigInteger(bits, random).setBit(0);
        for (int bit = bits - 8; bit < bits; bit++) {
            n = n.setBit(bit);
        }
        return n;
    }

    private static BigInteger oddNumber(int bits, Random random) {
        return new BigInteger(bits, random).setBit(bits - 1).setBit(0);
    }

    private static Map<String, String> rsaKey(String kid, BigInteger n, BigInteger e) {
        Map<String, String> key = new LinkedHashMap<>();
        key.put("kty", "RSA");
        key.put("kid", kid);
        key.put("use", "sig");
        key.put("alg", "RS256");
        key.put("n", unsigned(n));
        key.put("e", unsigned(e));
        return key;
    }

    private static String unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        int skip = bytes[0] == 0 ? 1 : 0;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                java.util.Arrays.copyOfRange(bytes, skip, bytes.length));
    }

    private static String jwks(List<?> keys) throws Exception {
        return JSON.writeValueAsString(Map.of("keys", keys));
    }

    /** An RS256 token of the issuer with a random signature of {@code bytes} bytes (first byte 1, below any modulus). */
    private String forgedToken(String kid, int bytes, Random random) throws Exception {
        byte[] signature = new byte[bytes];
        random.nextBytes(signature);
        signature[0] = 1;
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuer.issuer());
        claims.put("sub", "repo:org/repo:ref:refs/heads/main");
        claims.put("exp", CLOCK.instant().plusSeconds(600).getEpochSecond());
        return b64(JSON.writeValueAsBytes(Map.of("alg", "RS256", "kid", kid, "typ", "JWT"))) + "."
                + b64(JSON.writeValueAsBytes(claims)) + "." + b64(signature);
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
