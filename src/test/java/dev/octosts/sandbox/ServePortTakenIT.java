package dev.octosts.sandbox;

import dev.octosts.dev.LocalKeys;
import dev.octosts.dev.LocalPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code octo-sts serve} as an operator starts it, with a port another program already listens on: the
 * process ends with a non-zero exit and one line naming the setting, rather than running without a listener.
 */
class ServePortTakenIT {
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static LocalPostgres postgres;
    private static LocalPostgres.LedgerLogins logins;

    @TempDir
    Path dir;

    @BeforeAll
    static void database() {
        postgres = LocalPostgres.start();
        logins = postgres.ledgerDatabase();
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"PORT", "ADMIN_PORT"})
    void serveExitsNonZeroNamingTheSetting(String setting) throws Exception {
        Path ledgerKey = Files.writeString(dir.resolve("ledger.pem"), LocalKeys.rsa2048().privateKeyPem());
        Path appKey = Files.writeString(dir.resolve("app.pem"), LocalKeys.rsa2048().privateKeyPem());
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ProcessBuilder serve = new ProcessBuilder(JAVA.toString(), "-jar", "target/octo-sts.jar", "serve");
            serve.environment().putAll(Map.of(
                    "BIND_ADDRESS", "127.0.0.1", "PORT", "0", "ADMIN_PORT", "0", "STS_DOMAIN", "sts.example.com",
                    "GITHUB_APP_IDS", "1", "APP_SECRET_CERTIFICATE_FILE", appKey.toString(),
                    "DATABASE_URL", logins.runtimeUrl(), "DATABASE_MIGRATION_URL", logins.ownerUrl(),
                    "LEDGER_SIGNING_KEY_FILE", ledgerKey.toString()));
            serve.environment().put(setting, Integer.toString(taken.getLocalPort()));
            Process process = serve.redirectOutput(dir.resolve("out.txt").toFile())
                    .redirectError(dir.resolve("err.txt").toFile()).start();
            boolean ended = process.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                process.destroyForcibly();
            }
            String err = Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
            assertThat(ended).as("serve ends by itself; stderr:%n%s", err).isTrue();
            assertThat(process.exitValue()).as(err).isEqualTo(2);
            assertThat(err.lines()).as(err).anySatisfy(line -> assertThat(line)
                    .startsWith("octo-sts: configuration error: " + setting + ": cannot listen on 127.0.0.1:"
                            + taken.getLocalPort() + ": Address already in use (BindException)"));
            assertThat(err).as("no stack trace").doesNotContain("\tat ");
            assertThat(Files.readString(dir.resolve("out.txt"))).doesNotContain("listening on");
        }
    }
}
