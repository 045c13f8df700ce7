package dev.octosts.keys;

import dev.octosts.config.ConfigException;
import dev.octosts.config.Pkcs11Settings;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.ProviderException;
import java.security.Security;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A logged-in connection to a PKCS#11 token through the JDK's SunPKCS11 provider, configured from
 * {@code PKCS11_CONFIG}. Keys on it are found by alias (the label SunPKCS11 gives a private key that has
 * a certificate object with the same {@code CKA_ID}).
 *
 * <p>When the token goes away under us (an HSM restart, a re-initialised token: sessions and object
 * handles become invalid), {@link #reconnect} builds a new SunPKCS11 instance from the same
 * configuration file and logs in again; keys pick up the new connection on their next signature.
 *
 * <p>Concurrency: SunPKCS11 keeps a pool of sessions per provider and takes one per signature, so
 * concurrent signatures run in parallel up to the token's session limit; nothing here serialises them.
 */
public final class Pkcs11Token {
    /** One provider instance with its logged-in key store; replaced as a whole on reconnect. */
    record Connection(long generation, Provider provider, KeyStore keyStore) {
    }

    private static final System.Logger LOG = System.getLogger(Pkcs11Token.class.getName());

    private final Pkcs11Settings settings;
    private final SigningStats stats = new SigningStats();
    private volatile Connection current;

    private Pkcs11Token(Pkcs11Settings settings, Connection first) {
        this.settings = settings;
        this.current = first;
    }

    /**
     * Loads the module and logs in. A bad configuration or a refused PIN throws {@link ConfigException}
     * naming {@code PKCS11_CONFIG} or {@code PKCS11_PIN}; the PIN is never part of a message.
     */
    public static Pkcs11Token open(Pkcs11Settings settings) {
        return new Pkcs11Token(settings, connect(settings, 1));
    }

    private static Connection connect(Pkcs11Settings settings, long generation) {
        Provider provider;
        try {
            Provider unconfigured = Security.getProvider("SunPKCS11");
            if (unconfigured == null) {
                throw new ConfigException("PKCS11_CONFIG", "this Java runtime has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
            }
            provider = unconfigured.configure(settings.configFile().toString());
        } catch (ProviderException | IllegalArgumentException e) {
            throw new ConfigException("PKCS11_CONFIG", "cannot use the PKCS#11 module configured in " + settings.configFile()
                    + ": " + reason(e));
        }
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS11", provider);
            keyStore.load(null, settings.pin().toCharArray());
            return new Connection(generation, provider, keyStore);
        } catch (IOException | GeneralSecurityException | ProviderException e) {
            String reason = reason(e);
            if (reason.contains("PIN")) {
                throw new ConfigException("PKCS11_PIN", "the token of " + settings.configFile() + " refused the PIN (" + reason + ")");
            }
            throw new ConfigException("PKCS11_CONFIG", "cannot log in to the token of " + settings.configFile() + ": " + reason);
        }
    }

    /** The innermost message of a cause chain, one line: for PKCS#11 errors the CKR_ code name. */
    static String reason(Throwable e) {
        String reason = e.getClass().getSimpleName();
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                reason = cause.getMessage();
            }
        }
        return reason.lines().findFirst().orElse(reason).strip();
    }

    /**
     * The key with {@code alias}; RSA, or EC on P-256.
     *
     * @param variable the setting that named the alias, for the error message
     */
    public Pkcs11SigningKey key(String alias, String variable) {
        Connection connection = current;
        try {
            if (!connection.keyStore().isKeyEntry(alias)) {
                throw new ConfigException(variable, "the token of " + settings.configFile() + " has no private key with alias "
                        + alias + " (its key aliases: " + String.join(", ", keyAliases()) + ")");
            }
        } catch (java.security.KeyStoreException e) {
            throw new ConfigException(variable, "cannot list the keys on the token: " + reason(e));
        }
        try {
            return new Pkcs11SigningKey(this, alias, connection);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(variable, e.getMessage());
        }
    }

    /** Aliases of the private keys on the token (certificates without a key are left out). */
    public List<String> keyAliases() {
        try {
            KeyStore keyStore = current.keyStore();
            List<String> aliases = new ArrayList<>();
            for (String alias : Collections.list(keyStore.aliases())) {
                if (keyStore.isKeyEntry(alias)) {
                    aliases.add(alias);
                }
            }
            return aliases;
        } catch (java.security.KeyStoreException e) {
            throw new IllegalStateException("cannot list the keys on the token: " + reason(e));
        }
    }

    /** Signing latency and failures of every key on this token. */
    public SigningStats stats() {
        return stats;
    }

    public String description() {
        return "PKCS#11 token of " + settings.configFile();
    }

    Connection current() {
        return current;
    }

    /**
     * Replaces the connection whose signature failed with a new one; when another thread already did,
     * returns that one. Throws {@link IllegalStateException} (one line) when the token is still away.
     */
    synchronized Connection reconnect(long failedGeneration, String failure) {
        Connection now = current;
        if (now.generation() != failedGeneration) {
            return now;
        }
        LOG.log(System.Logger.Level.WARNING, "a signature on the " + description() + " failed (" + failure
                + "); reconnecting to the token and retrying once");
        try {
            Connection fresh = connect(settings, failedGeneration + 1);
            stats.reinitialised();
            current = fresh;
            return fresh;
        } catch (ConfigException e) {
            throw new IllegalStateException("cannot reconnect to the " + description() + ": " + e.getMessage());
        }
    }

    /** The private key and its certificate's public key for {@code alias} on {@code connection}. */
    static PrivateKey privateKey(Connection connection, String alias) {
        try {
            Key key = connection.keyStore().getKey(alias, null);
            if (!(key instanceof PrivateKey privateKey)) {
                throw new IllegalStateException("the token has no private key with alias " + alias);
            }
            return privateKey;
        } catch (GeneralSecurityException | ProviderException e) {
            throw new IllegalStateException("cannot read the key with alias " + alias + " from the token: " + reason(e));
        }
    }

    static Certificate certificate(Connection connection, String alias) {
        try {
            Certificate certificate = connection.keyStore().getCertificate(alias);
            if (certificate == null) {
                throw new IllegalArgumentException("the key with alias " + alias + " has no certificate object, so its public key is unknown");
            }
            return certificate;
        } catch (java.security.KeyStoreException e) {
            throw new IllegalArgumentException("cannot read the certificate of alias " + alias + ": " + reason(e));
        }
    }

    /**
     * Stores {@code privateKey} (e.g. a GitHub App key read from PEM) on the token under {@code alias},
     * with a certificate object of the same {@code CKA_ID} so that SunPKCS11 lists it. Whether the stored
     * key is sensitive and unextractable is decided by the {@code attributes} section of the configuration.
     */
    public void importKey(String alias, PrivateKey privateKey, Certificate certificate) {
        try {
            current.keyStore().setKeyEntry(alias, privateKey, null, new Certificate[] {certificate});
        } catch (java.security.KeyStoreException | ProviderException e) {
            throw new IllegalStateException("cannot store the key with alias " + alias + " on the token: " + reason(e));
        }
    }

    /** Stores a software key pair (e.g. a GitHub App PEM) on the token with a self-signed certificate object. */
    public void importKey(String alias, KeyPair pair) {
        importKey(alias, pair.getPrivate(), SelfSignedCertificates.create(pair, alias, null));
    }

    /**
     * Generates a key pair inside the token and stores it under {@code alias}: RSA 2048 ({@code "RSA"})
     * or EC P-256 ({@code "EC"}). The private key never exists outside the token.
     */
    public void generateKey(String alias, String algorithm) {
        Provider provider = current.provider();
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm, provider);
            if ("EC".equals(algorithm)) {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                generator.initialize(2048);
            }
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException | ProviderException e) {
            throw new IllegalStateException("cannot generate an " + algorithm + " key on the token: " + reason(e));
        }
        importKey(alias, pair.getPrivate(), SelfSignedCertificates.create(pair, alias, provider));
    }

    @Override
    public String toString() {
        return description();
    }
}
