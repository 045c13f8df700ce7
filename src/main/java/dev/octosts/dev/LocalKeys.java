package dev.octosts.dev;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;

/** Fresh keys for the simulator, the sandbox and tests, with the private key as PEM. */
public final class LocalKeys {
    private LocalKeys() {
    }

    /** A key pair and its private key as PEM: PKCS#1 ("BEGIN RSA PRIVATE KEY"), as GitHub hands them out. */
    public record GeneratedKey(KeyPair keys, String privateKeyPem) {
        @Override
        public String toString() {
            return "GeneratedKey[" + keys.getPublic().getAlgorithm() + "]";
        }
    }

    public static GeneratedKey rsa2048() {
        KeyPair keys;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            keys = generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no RSA", e);
        }
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
            writer.writeObject(keys.getPrivate());
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a PEM key", e);
        }
        return new GeneratedKey(keys, pem.toString());
    }
}
