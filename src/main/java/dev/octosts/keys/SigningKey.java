package dev.octosts.keys;

import com.nimbusds.jose.JWSSigner;
import java.security.PublicKey;

/** A private key that can sign, wherever it lives (a PEM file today, a PKCS#11 token later). */
public interface SigningKey {
    /** Where the key lives and what it is, e.g. {@code PEM file /x/app.pem (RSA 2048)}; never key material. */
    String description();

    PublicKey publicKey();

    /** A signer for Nimbus; RS256-capable for RSA keys. Thread-safe. */
    JWSSigner jwsSigner();
}
