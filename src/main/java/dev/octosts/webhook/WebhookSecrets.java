package dev.octosts.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The webhook's shared secrets (more than one while a secret is rotated) and the HMAC check of a delivery
 * over the exact bytes received. Never prints a secret.
 */
public final class WebhookSecrets {
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
        String signature = signature256Header != null && !signature256Header.isEmpty() ? signature256Header : signatureHeader;
        if (signature == null) {
            return false;
        }
        int eq = signature.indexOf('=');
        if (eq < 0) {
            return false;
        }
        String algorithm = switch (signature.substring(0, eq).toLowerCase(Locale.ROOT)) {
            case "sha1" -> "HmacSHA1";
            case "sha256" -> "HmacSHA256";
            case "sha512" -> "HmacSHA512";
            default -> null;
        };
        byte[] given;
        try {
            given = HexFormat.of().parseHex(signature.substring(eq + 1));
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (algorithm == null || given.length == 0) {
            return false;
        }
        boolean matched = false;
        for (byte[] secret : secrets) {
            matched |= MessageDigest.isEqual(hmac(algorithm, secret, body), given);
        }
        return matched;
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
