package dev.octosts.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The webhook's shared secrets (more than one while a secret is rotated) and the HMAC check of a delivery
 * over the exact bytes received. Never prints a secret.
 */
public final class WebhookSecrets {
    private static final Map<String, Integer> DIGEST_BYTES = Map.of("HmacSHA1", 20, "HmacSHA256", 32, "HmacSHA512", 64);
    private final List<byte[]> secrets;

    public WebhookSecrets(List<String> secrets) {
        if (secrets.isEmpty() || secrets.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("a webhook secret must not be empty");
        }
        this.secrets = secrets.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /**
     * Whether the delivery is signed by one of the secrets. {@code X-Hub-Signature-256} is preferred over
     * {@code X-Hub-Signature}; the algorithm is the value's {@code sha1=}/{@code sha256=}/{@code sha512=}
     * prefix, as go-github reads it. Every secret is tried, so timing does not say which one matched.
     */
    public boolean signed(byte[] body, String signature256Header, String signatureHeader) {
        String signature = chosen(signature256Header, signatureHeader);
        if (!wellFormed(signature256Header, signatureHeader)) {
            return false;
        }
        int eq = signature.indexOf('=');
        String algorithm = algorithm(signature.substring(0, eq));
        byte[] given = HexFormat.of().parseHex(signature.substring(eq + 1));
        boolean matched = false;
        for (byte[] secret : secrets) {
            matched |= MessageDigest.isEqual(hmac(algorithm, secret, body), given);
        }
        return matched;
    }

    /**
     * Whether the signature header that {@link #signed} reads has the only shape a match could have: a known
     * algorithm, {@code =}, and as many hex digits as that algorithm's digest has. Checked before a body is
     * read, so a request that could never match costs no memory.
     */
    public static boolean wellFormed(String signature256Header, String signatureHeader) {
        String signature = chosen(signature256Header, signatureHeader);
        if (signature == null) {
            return false;
        }
        int eq = signature.indexOf('=');
        String algorithm = eq < 0 ? null : algorithm(signature.substring(0, eq));
        if (algorithm == null) {
            return false;
        }
        String hex = signature.substring(eq + 1);
        return hex.length() == 2 * DIGEST_BYTES.get(algorithm) && hex.chars().allMatch(HexFormat::isHexDigit);
    }

    private static String chosen(String signature256Header, String signatureHeader) {
        return signature256Header != null && !signature256Header.isEmpty() ? signature256Header : signatureHeader;
    }

    private static String algorithm(String prefix) {
        return switch (prefix.toLowerCase(Locale.ROOT)) {
            case "sha1" -> "HmacSHA1";
            case "sha256" -> "HmacSHA256";
            case "sha512" -> "HmacSHA512";
            default -> null;
        };
    }

    static byte[] hmac(String algorithm, byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(secret, algorithm));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(algorithm + " is required by every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return "WebhookSecrets[" + secrets.size() + " secret(s)]";
    }
}
