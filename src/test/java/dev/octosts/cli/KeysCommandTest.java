package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.dev.LocalKeys;
import dev.octosts.keys.SigningKey;
import dev.octosts.keys.SoftHsm;
import dev.octosts.ledger.CheckpointPublicKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code octo-sts keys import|generate|check} against a SoftHSM2 token. */
class KeysCommandTest {
    private static SoftHsm hsm;
    private static LocalKeys.GeneratedKey appKey;
    private static Path appPem;

    @TempDir
    static Path dir;

    record Run(int exit, String out, String err) {
    }

    @BeforeAll
    static void tokenWithTheAppKeyImportedFromPem() throws IOException {
        hsm = SoftHsm.freshToken();
        appKey = LocalKeys.rsa2048();
        appPem = Files.writeString(dir.resolve("app.pem"), appKey.privateKeyPem());
        Run imported = run(tokenEnv(), "import", "--alias", "github-app", "--pem", appPem.toString());
        assertThat(imported.err()).isEmpty();
        assertThat(imported.exit()).isZero();
        assertThat(imported.out()).contains("imported github-app: PKCS#11 key github-app", "extractable: no", "verified");
    }

    @Test
    void checkSignsWithEveryConfiguredKeyAndPrintsFingerprintAndExtractability() {
        Run generated = run(tokenEnv(), "generate", "--alias", "ledger", "--type", "ec");
        assertThat(generated.exit()).isZero();
        String ledgerPem = generated.out().substring(generated.out().indexOf("-----BEGIN PUBLIC KEY-----"));

        Map<String, String> env = tokenEnv();
        env.put("GITHUB_APP_KEY_ALIAS", "github-app");
        env.put("LEDGER_KEY_ALIAS", "ledger");
        Run check = run(env, "check");
        assertThat(check.err()).isEmpty();
        assertThat(check.exit()).isZero();
        assertThat(check.out()).containsSubsequence(
                "GitHub App key github-app: PKCS#11 key github-app", "(RSA 2048)",
                "fingerprint: sha256:" + sha256(appKey.keys().getPublic().getEncoded()),
                "extractable: no", "test signature (RS256): verified",
                "ledger key ledger: PKCS#11 key ledger", "(EC P-256)",
                "fingerprint: sha256:" + SigningKey.fingerprint(CheckpointPublicKeys.parse(ledgerPem, "ledger")),
                "extractable: no", "test signature (ES256): verified");
        assertThat(check.out()).doesNotContain(SoftHsm.PIN);
    }

    @Test
    void aPemKeyIsReportedExtractable() throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("APP_SECRET_CERTIFICATE_FILE", appPem.toString());
        env.put("LEDGER_SIGNING_KEY_FILE", Files.writeString(dir.resolve("ledger.pem"), LocalKeys.rsa2048().privateKeyPem()).toString());
        Run check = run(env, "check");
        assertThat(check.exit()).isZero();
        assertThat(check.out()).containsSubsequence("GitHub App key: ", appPem.toString(), "extractable: yes", "verified",
                "ledger key: ", "extractable: yes", "verified");
        assertThat(check.out().lines().filter(line -> line.contains(appPem.toString()))).as("the path once")
                .singleElement().satisfies(line -> assertThat(line.indexOf(appPem.toString()))
                        .isEqualTo(line.lastIndexOf(appPem.toString())));
    }

    @Test
    void badSettingsAreOneLineOnStandardErrorWithoutThePin() {
        // A wrong PIN is covered where the token is fresh (Pkcs11TokenTest): once a process is logged in to a
        // token, SunPKCS11 does not present a PIN to it again.
        Map<String, String> env = tokenEnv();
        env.put("GITHUB_APP_KEY_ALIAS", "missing");
        Run missing = run(env, "check");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).startsWith("octo-sts keys: configuration error: GITHUB_APP_KEY_ALIAS: ")
                .contains("no private key with alias missing").doesNotContain(SoftHsm.PIN);
        assertThat(missing.err().strip()).doesNotContain("\n");

        Run again = run(tokenEnv(), "import", "--alias", "github-app", "--pem", appPem.toString());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).isEqualTo("octo-sts keys: the token already has a key with alias github-app\n");
    }

    @Test
    void mistakesAreOneLineOnStandardError() throws IOException {
        Path notAKey = Files.writeString(dir.resolve("not-a-key.pem"), "hello");
        Map<String, String> pemOnly = new HashMap<>();
        pemOnly.put("APP_SECRET_CERTIFICATE_FILE", notAKey.toString());
        Map<String, String> nothing = new HashMap<>();
        Map<String, String> badVariable = new HashMap<>();
        badVariable.put("APP_SECRET_CERTIFICATE_ENV_VAR", "APP_PEM");
        badVariable.put("APP_PEM", "not a pem");

        record Mistake(Map<String, String> env, List<String> args, int exit, String line) {
        }
        List<Mistake> mistakes = List.of(
                new Mistake(tokenEnv(), List.of("import", "--alias", "github-app", "--pem", appPem.toString()), 2,
                        "octo-sts keys: the token already has a key with alias github-app"),
                new Mistake(tokenEnv(), List.of("generate", "--alias", "github-app"), 2,
                        "octo-sts keys: the token already has a key with alias github-app"),
                new Mistake(tokenEnv(), List.of("generate", "--alias", "new", "--type", "dsa"), 2,
                        "octo-sts keys: --type must be ec or rsa (got dsa)"),
                new Mistake(tokenEnv(), List.of("import", "--alias", "other", "--pem", notAKey.toString()), 2,
                        "octo-sts keys: PEM file " + notAKey + " contains no unencrypted PEM private key"),
                new Mistake(nothing, List.of("check"), 2, "octo-sts keys: configuration error: GITHUB_APP_KEY_ALIAS: no GitHub App"
                        + " key is configured (set GITHUB_APP_KEY_ALIAS, APP_SECRET_CERTIFICATE_FILE or APP_SECRET_CERTIFICATE_ENV_VAR)"),
                new Mistake(pemOnly, List.of("check"), 2, "octo-sts keys: configuration error: APP_SECRET_CERTIFICATE_FILE: PEM file "
                        + notAKey + " contains no PEM private key"),
                new Mistake(badVariable, List.of("check"), 2, "octo-sts keys: configuration error: APP_SECRET_CERTIFICATE_ENV_VAR:"
                        + " PEM in environment variable APP_PEM contains no PEM private key"));
        for (Mistake mistake : mistakes) {
            Run run = run(mistake.env(), mistake.args().toArray(String[]::new));
            assertThat(run.exit()).as(String.join(" ", mistake.args())).isEqualTo(mistake.exit());
            assertThat(run.err().lines()).as(String.join(" ", mistake.args())).singleElement().asString()
                    .startsWith(mistake.line()).doesNotContain(SoftHsm.PIN);
        }
    }

    @Test
    void withoutASubcommandTheUsageIsPrinted() {
        Run run = run(tokenEnv());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("Usage: keys").contains("check", "import", "generate");
    }

    private static Map<String, String> tokenEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("PKCS11_CONFIG", hsm.config().toString());
        env.put("PKCS11_PIN", SoftHsm.PIN);
        return env;
    }

    private static Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = OneLineErrors.on(new CommandLine(new KeysCommand(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)))).execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] der) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(der));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
