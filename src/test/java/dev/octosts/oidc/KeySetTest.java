package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The rules a key must pass when a key set is read; a key that breaks one is dropped and counted. */
class KeySetTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Random RANDOM = new Random(42);

    @ParameterizedTest(name = "RSA-{0}, e={1}: {2}")
    @CsvSource({
            "2048, 65537, ",
            "4096, 65537, ",
            "3072, 3, ",
            "3072, 4294967295, ",
            "2047, 65537, rsa_modulus_size",
            "1024, 65537, rsa_modulus_size",
            "4097, 65537, rsa_modulus_size",
            "8192, 65537, rsa_modulus_size",
            "2048, 1, rsa_exponent",
            "2048, 65536, rsa_exponent",
            "2048, 4294967297, rsa_exponent",
            "2048, 18446744073709551617, rsa_exponent",
    })
    void rsaModulusAndExponentAreBounded(int modulusBits, String exponent, String reason) throws Exception {
        KeySet.Parsed parsed = parse(List.of(rsa("k", modulusBits, new BigInteger(exponent))));

        if (reason == null) {
            assertThat(parsed.keys()).singleElement().extracting(KeySet.Key::family).isEqualTo("RSA");
            assertThat(parsed.dropped()).isEmpty();
        } else {
            assertThat(parsed.keys()).isEmpty();
            assertThat(parsed.dropped()).isEqualTo(Map.of(reason, 1));
        }
    }

    @Test
    void onlyTheCurvesOfEs256AndEs384AreKept() throws Exception {
        List<Object> keys = new ArrayList<>();
        for (Curve curve : List.of(Curve.P_256, Curve.P_384, Curve.P_521, Curve.SECP256K1)) {
            keys.add(new ECKeyGenerator(curve).provider(new BouncyCastleProvider()).keyID(curve.getName()).generate()
                    .toPublicJWK().toJSONObject());
        }

        KeySet.Parsed parsed = parse(keys);

        assertThat(parsed.keys()).extracting(KeySet.Key::family).containsExactly("P-256", "P-384");
        assertThat(parsed.dropped()).isEqualTo(Map.of(KeySet.Drop.UNSUPPORTED_CURVE.label(), 2));
    }

    @Test
    void secretsOctetKeysEncryptionKeysAndForeignAlgorithmsAreDropped() throws Exception {
        Map<String, String> encryption = rsa("enc", 2048, BigInteger.valueOf(65_537));
        encryption.put("use", "enc");
        Map<String, String> ecAlgorithmOnRsa = rsa("alg", 2048, BigInteger.valueOf(65_537));
        ecAlgorithmOnRsa.put("alg", "ES256");
        List<Object> keys = List.of(
                Map.of("kty", "oct", "kid", "hmac", "k", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"),
                // RFC 8037 A.2
                Map.of("kty", "OKP", "crv", "Ed25519", "kid", "ed", "x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
                encryption, ecAlgorithmOnRsa);

        KeySet.Parsed parsed = parse(keys);

        assertThat(parsed.keys()).isEmpty();
        assertThat(parsed.dropped()).isEqualTo(Map.of(KeySet.Drop.UNSUPPORTED_KEY_TYPE.label(), 2, KeySet.Drop.NOT_FOR_SIGNING.label(), 1,
                KeySet.Drop.UNSUPPORTED_KEY_ALGORITHM.label(), 1));
    }

    @Test
    void atMostFourKeysPerKidAndAHundredKeysInAll() throws Exception {
        List<Object> keys = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            keys.add(rsa("same", 2048, BigInteger.valueOf(65_537)));
        }
        for (int i = 0; i < 110; i++) {
            keys.add(rsa("k" + i, 2048, BigInteger.valueOf(65_537)));
        }

        KeySet.Parsed parsed = parse(keys);

        assertThat(parsed.keys()).hasSize(KeySet.MAX_USABLE_KEYS);
        assertThat(parsed.keys().stream().filter(k -> k.keyId().equals("same"))).hasSize(KeySet.MAX_KEYS_PER_KID);
        assertThat(parsed.keys().getLast().keyId()).isEqualTo("k95");
        assertThat(parsed.dropped()).isEqualTo(Map.of(KeySet.Drop.KID_LIMIT.label(), 2, KeySet.Drop.KEY_LIMIT.label(), 14));
    }

    private static KeySet.Parsed parse(List<?> keys) throws Exception {
        return KeySet.parse(JSON.writeValueAsString(Map.of("keys", keys)).getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> rsa(String kid, int modulusBits, BigInteger exponent) {
        BigInteger modulus = new BigInteger(modulusBits, RANDOM).setBit(modulusBits - 1).setBit(0);
        Map<String, String> key = new LinkedHashMap<>();
        key.put("kty", "RSA");
        key.put("kid", kid);
        key.put("n", unsigned(modulus));
        key.put("e", unsigned(exponent));
        return key;
    }

    private static String unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        int skip = bytes[0] == 0 ? 1 : 0;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOfRange(bytes, skip, bytes.length));
    }
}
