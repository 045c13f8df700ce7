package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.oidc.OidcResult.Rejected;
import dev.octosts.testing.MutableClock;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anyone can run issuers, each with a key set of {@value KeySet#MAX_USABLE_KEYS} keys: the key-set cache is
 * bounded by the heap those sets hold, not by how many issuers there are.
 */
class KeySetCacheTest {
    private static final MutableClock CLOCK = new MutableClock(Instant.now());
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void manyIssuersWithFullKeySetsKeepTheCacheUnderItsWeightBudget(@TempDir Path dir) throws Exception {
        Random random = new Random(5);
        List<Map<String, String>> keys = new ArrayList<>();
        for (int i = 0; i < KeySet.MAX_USABLE_KEYS; i++) {
            keys.add(Map.of("kty", "RSA", "kid", "k" + i, "use", "sig", "alg", "RS256",
                    "n", unsigned(modulus(random)), "e", "AQAB"));
        }
        Path jwks = Files.writeString(dir.resolve("jwks.json"), JSON.writeValueAsString(Map.of("keys", keys)));
        KeySet.Parsed parsed = KeySet.parse(Files.readAllBytes(jwks));
        assertThat(parsed.keys()).hasSize(KeySet.MAX_USABLE_KEYS);
        long setBytes = KeySet.loaded(new JwksSource.LocalFile(jwks), parsed, CLOCK.instant(), CLOCK.instant())
                .estimatedHeapBytes();
        int issuers = (int) (2 * KeySetStore.MAX_KEY_SET_CACHE_WEIGHT / setBytes) + 1;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < issuers; i++) {
            overrides.put(issuer(i), jwks.toString());
        }

        try (OidcVerifier verifier = new OidcVerifier(new OidcSettings(overrides, Set.of(), Duration.ofSeconds(2),
                Duration.ofSeconds(5), CLOCK))) {
            for (int i = 0; i < issuers; i++) {
                OidcResult result = verifier.verify(forgedToken(issuer(i), random));
                assertThat(result).isInstanceOfSatisfying(Rejected.class,
                        rejected -> assertThat(rejected.reason()).isEqualTo(Rejected.BAD_SIGNATURE));
            }

            assertThat(verifier.keySetCacheWeight()).isLessThanOrEqualTo(KeySetStore.MAX_KEY_SET_CACHE_WEIGHT)
                    .isGreaterThan(KeySetStore.MAX_KEY_SET_CACHE_WEIGHT / 2);
        }
    }

    private static String issuer(int i) {
        return "https://issuer-" + i + ".example";
    }

    private static BigInteger modulus(Random random) {
        BigInteger n = new BigInteger(2048, random).setBit(0);
        for (int bit = 2040; bit < 2048; bit++) {
            n = n.setBit(bit);
        }
        return n;
    }

    private static String unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        int skip = bytes[0] == 0 ? 1 : 0;
        return b64(Arrays.copyOfRange(bytes, skip, bytes.length));
    }

    /** An RS256 token for key k0 with a random signature (first byte 1, below the modulus). */
    private static String forgedToken(String issuer, Random random) throws Exception {
        byte[] signature = new byte[256];
        random.nextBytes(signature);
        signature[0] = 1;
        Map<String, Object> claims = Map.of("iss", issuer, "sub", "x", "exp", CLOCK.instant().plusSeconds(600).getEpochSecond());
        return b64(JSON.writeValueAsBytes(Map.of("alg", "RS256", "kid", "k0", "typ", "JWT"))) + "."
                + b64(JSON.writeValueAsBytes(claims)) + "." + b64(signature);
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
