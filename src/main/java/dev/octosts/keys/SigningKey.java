package dev.octosts.keys;

import dev.octosts.digest.Sha256;
import com.nimbusds.jose.JWSSigner;
import java.security.PublicKey;

/** A private key that can sign, wherever it lives (a PEM file or a PKCS#11 token). */
public interface SigningKey {
    /** Where the key lives and what it is, e.g. {@code PEM file /x/app.pem (RSA 2048)}; never key material. */
    String description();

    PublicKey publicKey();

    /** A signer for Nimbus; RS256-capable for RSA keys. Thread-safe. */
    JWSSigner jwsSigner();

    /**
     * Whether the private key can leave where it lives: true unless the key store proves otherwise
     * (a PEM file always can; a sensitive, unextractable token key cannot).
     */
    default boolean extractable() {
        return true;
    }

    /** SHA-256 of the public key's DER (SubjectPublicKeyInfo), in lower-case hex: what {@code keys check} prints. */
    static String fingerprint(PublicKey key) {
        return Sha256.hex(key.getEncoded());
    }
}
