package dev.octosts.cli;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import dev.octosts.config.ConfigException;
import dev.octosts.config.Pkcs11Settings;
import dev.octosts.keys.PemKeys;
import dev.octosts.keys.Pkcs11Token;
import dev.octosts.keys.SigningKey;
import dev.octosts.ledger.CheckpointPublicKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code octo-sts keys}: check the configured signing keys, and put keys on a PKCS#11 token. Settings
 * come from the same environment variables as {@code serve}.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Check the configured signing keys; import or generate keys on the PKCS#11 token.",
        subcommands = {KeysCommand.Check.class, KeysCommand.Import.class, KeysCommand.Generate.class})
public final class KeysCommand extends CommandGroup {
    static final int EXIT_FAILED = 1;
    private static final byte[] TEST_PAYLOAD = "octo-sts keys check".getBytes(StandardCharsets.US_ASCII);

    private final Map<String, String> env;

    public KeysCommand() {
        this(System.getenv(), System.out, System.err);
    }

    public KeysCommand(Map<String, String> env, PrintStream out, PrintStream err) {
        super(out, err);
        this.env = Map.copyOf(env);
    }

    /** {@code keys check}: every configured key signs a test payload that its public key then verifies. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Load the GitHub App key(s) and the ledger key as configured (GITHUB_APP_KEY_ALIAS or"
                    + " APP_SECRET_CERTIFICATE_FILE / _ENV_VAR; LEDGER_KEY_ALIAS or LEDGER_SIGNING_KEY_FILE), sign a test"
                    + " payload with each, verify it with the public key, and print the key's SHA-256 fingerprint"
                    + " (of the public key's DER) and whether the private key is extractable.",
                    "Exit 0 when every key verifies, 1 when one does not, 2 on a configuration error."})
    static final class Check implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        KeysCommand keys;

        @Override
        public Integer call() {
            Map<String, SigningKey> configured = keys.configuredKeys();
            boolean allVerified = true;
            for (Map.Entry<String, SigningKey> entry : configured.entrySet()) {
                allVerified &= keys.check(entry.getKey(), entry.getValue());
            }
            return allVerified ? 0 : EXIT_FAILED;
        }
    }

    /** A subcommand that puts a new key on the PKCS#11 token under {@code --alias}. */
    abstract static class NewKey implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        KeysCommand keys;

        @Option(names = "--alias", required = true, paramLabel = "ALIAS", description = "Label for the key on the token.")
        String alias;

        /** The token of {@code PKCS11_CONFIG}, refused when it already holds a key under the alias. */
        Pkcs11Token tokenWithoutAlias() {
            Pkcs11Token token = keys.token("--alias");
            if (token.keyAliases().contains(alias)) {
                throw new IllegalArgumentException("the token already has a key with alias " + alias);
            }
            return token;
        }
    }

    /** {@code keys import}: stores a PEM private key (e.g. the GitHub App's) on the token. */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Store a PEM private key (PKCS#1 as GitHub hands it out, or PKCS#8; RSA or EC P-256) on the"
                    + " PKCS#11 token of PKCS11_CONFIG under ALIAS, with a self-signed certificate object of the same"
                    + " CKA_ID so that Java lists it. Delete the PEM file afterwards."})
    static final class Import extends NewKey {
        @Option(names = "--pem", required = true, paramLabel = "FILE", description = "The private key to import.")
        Path pem;

        @Override
        public Integer call() {
            Pkcs11Token token = tokenWithoutAlias();
            token.importKey(alias, readKeyPair(pem));
            return keys.check("imported " + alias, token.key(alias, "--alias")) ? 0 : EXIT_FAILED;
        }
    }

    /** {@code keys generate}: creates a key pair inside the token. */
    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = {"Generate a key pair inside the PKCS#11 token of PKCS11_CONFIG under ALIAS (the private key"
                    + " never leaves the token) and print its public key as PEM, e.g. for `audit verify --public-key`."
                    + " GitHub Apps cannot take an uploaded key, so use this for the ledger key; import the App key."})
    static final class Generate extends NewKey {
        @Option(names = "--type", defaultValue = "ec", paramLabel = "TYPE",
                description = "ec (P-256, ES256) or rsa (2048 bits, RS256); default ${DEFAULT-VALUE}.")
        String type;

        @Override
        public Integer call() {
            String algorithm = switch (type) {
                case "ec" -> "EC";
                case "rsa" -> "RSA";
                default -> throw new IllegalArgumentException("--type must be ec or rsa (got " + type + ")");
            };
            Pkcs11Token token = tokenWithoutAlias();
            token.generateKey(alias, algorithm);
            SigningKey key = token.key(alias, "--alias");
            boolean verified = keys.check("generated " + alias, key);
            keys.out().print(CheckpointPublicKeys.pem(key.publicKey()));
            return verified ? 0 : EXIT_FAILED;
        }
    }

    /** Signs the test payload, verifies it and prints one block per key; false when it did not verify. */
    boolean check(String name, SigningKey key) {
        PrintStream out = out();
        out.println(name + ": " + key.description());
        out.println("  fingerprint: sha256:" + SigningKey.fingerprint(key.publicKey()));
        out.println("  extractable: " + (key.extractable() ? "yes" : "no"));
        JWSAlgorithm algorithm = CheckpointPublicKeys.algorithm(key.publicKey());
        try {
            JWSObject jws = new JWSObject(new JWSHeader(algorithm), new Payload(TEST_PAYLOAD));
            jws.sign(key.jwsSigner());
            boolean verified = jws.verify(new DefaultJWSVerifierFactory().createJWSVerifier(jws.getHeader(), key.publicKey()));
            out.println("  test signature (" + algorithm + "): " + (verified ? "verified" : "DOES NOT VERIFY with the public key"));
            return verified;
        } catch (JOSEException e) {
            out.println("  test signature (" + algorithm + "): FAILED: " + e.getMessage());
            return false;
        }
    }

    /** The App keys (one per alias or PEM) and the ledger key, by a name for the output, in order. */
    Map<String, SigningKey> configuredKeys() {
        Map<String, SigningKey> keys = new LinkedHashMap<>();
        Pkcs11Token token = null;
        List<String> aliases = list("GITHUB_APP_KEY_ALIAS");
        List<String> files = list("APP_SECRET_CERTIFICATE_FILE");
        List<String> variables = list("APP_SECRET_CERTIFICATE_ENV_VAR");
        if (aliases.isEmpty() && files.isEmpty() && variables.isEmpty()) {
            throw new ConfigException("GITHUB_APP_KEY_ALIAS", "no GitHub App key is configured (set GITHUB_APP_KEY_ALIAS,"
                    + " APP_SECRET_CERTIFICATE_FILE or APP_SECRET_CERTIFICATE_ENV_VAR)");
        }
        for (String alias : aliases) {
            token = token == null ? token("GITHUB_APP_KEY_ALIAS") : token;
            keys.put("GitHub App key " + alias, token.key(alias, "GITHUB_APP_KEY_ALIAS"));
        }
        // A PEM key's description names its file or variable: the name for the output does not repeat it.
        boolean several = aliases.size() + files.size() + variables.size() > 1;
        int number = aliases.size();
        for (String file : files) {
            keys.put("GitHub App key" + (several ? " " + ++number : ""), pem("APP_SECRET_CERTIFICATE_FILE", () -> PemKeys.fromFile(Path.of(file))));
        }
        for (String variable : variables) {
            keys.put("GitHub App key" + (several ? " " + ++number : ""), pem("APP_SECRET_CERTIFICATE_ENV_VAR",
                    () -> PemKeys.fromPem(env.get(variable), "PEM in environment variable " + variable)));
        }
        String ledgerAlias = value("LEDGER_KEY_ALIAS");
        String ledgerFile = value("LEDGER_SIGNING_KEY_FILE");
        if (ledgerAlias != null) {
            token = token == null ? token("LEDGER_KEY_ALIAS") : token;
            keys.put("ledger key " + ledgerAlias, token.key(ledgerAlias, "LEDGER_KEY_ALIAS"));
        } else if (ledgerFile != null) {
            keys.put("ledger key", pem("LEDGER_SIGNING_KEY_FILE", () -> PemKeys.fromFile(Path.of(ledgerFile))));
        }
        return keys;
    }

    private static SigningKey pem(String variable, java.util.function.Supplier<SigningKey> load) {
        try {
            return load.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(variable, e.getMessage());
        }
    }

    Pkcs11Token token(String neededBy) {
        return Pkcs11Token.open(Pkcs11Settings.fromEnvironment(env, neededBy));
    }

    private String value(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    private List<String> list(String name) {
        String value = value(name);
        return value == null ? List.of()
                : Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Reads an RSA or EC private key from PEM, with its public half. Messages never quote the file. */
    static KeyPair readKeyPair(Path file) {
        String where = "PEM file " + file;
        try {
            if (Files.size(file) > 64 * 1024) {
                throw new IllegalArgumentException(where + " is too large to be a private key");
            }
            try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file, StandardCharsets.UTF_8)))) {
                Object object;
                while ((object = parser.readObject()) != null) {
                    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
                    if (object instanceof PEMKeyPair pair) {
                        return converter.getKeyPair(pair);
                    }
                    if (object instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) {
                        return withPublicHalf(converter.getPrivateKey(info), where);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException known) {
                throw known;
            }
            throw new IllegalArgumentException(where + " is not a readable PEM private key (" + e.getClass().getSimpleName() + ")");
        }
        throw new IllegalArgumentException(where + " contains no unencrypted PEM private key");
    }

    private static KeyPair withPublicHalf(java.security.PrivateKey key, String where) {
        try {
            return switch (key) {
                case RSAPrivateCrtKey rsa -> new KeyPair(KeyFactory.getInstance("RSA")
                        .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent())), rsa);
                case ECPrivateKey ec -> new KeyPair(ecPublicKey(ec), ec);
                default -> throw new IllegalArgumentException(where + " holds a " + key.getAlgorithm()
                        + " key; only RSA and EC P-256 keys are supported");
            };
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException(where + " holds a key whose public half cannot be computed");
        }
    }

    /** Q = d·G on the key's curve (PKCS#8 EC keys may omit the public point). */
    private static java.security.PublicKey ecPublicKey(ECPrivateKey key) throws java.security.GeneralSecurityException {
        org.bouncycastle.jce.spec.ECParameterSpec spec = org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util
                .convertSpec(key.getParams());
        org.bouncycastle.math.ec.ECPoint q = spec.getG().multiply(key.getS()).normalize();
        return KeyFactory.getInstance("EC").generatePublic(new java.security.spec.ECPublicKeySpec(
                new java.security.spec.ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()),
                key.getParams()));
    }
}
