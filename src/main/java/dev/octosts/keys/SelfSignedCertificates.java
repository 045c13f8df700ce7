package dev.octosts.keys;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Provider;
import java.security.interfaces.RSAPublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificate object SunPKCS11 needs next to a private key (same {@code CKA_ID}) to list it in the
 * key store. Nobody validates it: it only carries the public key, so a self-signed one is enough.
 */
public final class SelfSignedCertificates {
    private static final Duration VALIDITY = Duration.ofDays(100 * 365);

    private SelfSignedCertificates() {
    }

    /**
     * @param signingProvider the provider that can sign with {@code pair}'s private key (the token's
     *                        provider for a key generated inside it), or null for a software key
     */
    public static X509Certificate create(KeyPair pair, String commonName, Provider signingProvider) {
        String algorithm = pair.getPublic() instanceof RSAPublicKey ? "SHA256withRSA" : "SHA256withECDSA";
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + commonName.replaceAll("[^A-Za-z0-9 ._-]", "_"));
        try {
            JcaContentSignerBuilder signer = new JcaContentSignerBuilder(algorithm);
            if (signingProvider != null) {
                signer.setProvider(signingProvider);
            }
            return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                    BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(VALIDITY)),
                    name, pair.getPublic()).build(signer.build(pair.getPrivate())));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create the certificate object for the key: " + Pkcs11Token.reason(e));
        }
    }
}
