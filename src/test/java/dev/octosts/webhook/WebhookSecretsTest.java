package dev.octosts.webhook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which signature headers sign a delivery, as go-github reads them: X-Hub-Signature-256 before
 * X-Hub-Signature, the algorithm from the value's prefix, any secret of a rotation. The expected MACs are
 * computed here with the JDK, independently of the code under test.
 */
class WebhookSecretsTest {
    private static final byte[] BODY = "{\"action\":\"opened\"}".getBytes(StandardCharsets.UTF_8);
    private static final WebhookSecrets SECRETS = new WebhookSecrets(List.of("old-secret", "new-secret"));

    private static String mac(String algorithm, String secret) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
            return HexFormat.of().formatHex(mac.doFinal(BODY));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> headers() {
        String sha256Old = "sha256=" + mac("HmacSHA256", "old-secret");
        String sha256New = "sha256=" + mac("HmacSHA256", "new-secret");
        String sha1Old = "sha1=" + mac("HmacSHA1", "old-secret");
        String sha512Old = "sha512=" + mac("HmacSHA512", "old-secret");
        String sha256Other = "sha256=" + mac("HmacSHA256", "someone-else");
        return Stream.of(
                Arguments.argumentSet("sha256, the old secret", sha256Old, null, true, true),
                Arguments.argumentSet("sha256, the new secret", sha256New, null, true, true),
                Arguments.argumentSet("sha256, another secret", sha256Other, null, true, false),
                Arguments.argumentSet("sha1 only", null, sha1Old, true, true),
                Arguments.argumentSet("an empty sha256 header falls back to sha1", "", sha1Old, true, true),
                Arguments.argumentSet("sha512 by its prefix", sha512Old, null, true, true),
                Arguments.argumentSet("prefix and digits in capitals", sha256Old.toUpperCase(Locale.ROOT), null, true, true),
                Arguments.argumentSet("a bad sha256 is not rescued by a good sha1", sha256Other, sha1Old, true, false),
                Arguments.argumentSet("a sha1 value under the sha256 header", sha1Old, null, true, true),
                Arguments.argumentSet("no header", null, null, false, false),
                Arguments.argumentSet("no algorithm", mac("HmacSHA256", "old-secret"), null, false, false),
                Arguments.argumentSet("an unknown algorithm", "md5=" + "ab".repeat(16), null, false, false),
                Arguments.argumentSet("a digest one digit short", sha256Old.substring(0, sha256Old.length() - 1), null, false, false),
                Arguments.argumentSet("a sha1-sized digest called sha256", "sha256=" + mac("HmacSHA1", "old-secret"), null, false, false),
                Arguments.argumentSet("digits that are not hex", "sha256=" + "zz".repeat(32), null, false, false));
    }

    @ParameterizedTest
    @MethodSource("headers")
    void aDeliveryIsSignedOnlyByAWellFormedHeaderMatchingASecret(String signature256, String signature, boolean wellFormed,
                                                                 boolean signed) {
        assertThat(WebhookSecrets.wellFormed(signature256, signature)).as("well formed").isEqualTo(wellFormed);
        assertThat(SECRETS.signed(BODY, signature256, signature)).as("signed").isEqualTo(signed);
    }

    @Test
    void aSignatureCoversTheExactBytes() {
        String header = "sha256=" + mac("HmacSHA256", "old-secret");
        byte[] reformatted = "{ \"action\": \"opened\" }".getBytes(StandardCharsets.UTF_8);
        assertThat(SECRETS.signed(reformatted, header, null)).isFalse();
    }

    @Test
    void noSecretOrAnEmptyOneIsRefusedAndNoneIsEverPrinted() {
        assertThatThrownBy(() -> new WebhookSecrets(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a webhook secret must not be empty");
        assertThatThrownBy(() -> new WebhookSecrets(List.of("one", ""))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a webhook secret must not be empty");
        assertThat(SECRETS).hasToString("WebhookSecrets[2 secret(s)]");
    }
}
