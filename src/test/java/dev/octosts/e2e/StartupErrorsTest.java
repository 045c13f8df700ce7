package dev.octosts.e2e;

import dev.octosts.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Settings that parse but cannot be used are found when the service starts, before it listens: one line
 * naming the variable, and nothing left running.
 */
class StartupErrorsTest {
    /** A setting the harness's environment gets, and the start of the one line the service refuses it with. */
    record Unusable(String name, BiConsumer<Harness, java.util.Map<String, String>> setting, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Unusable> settings() {
        return Stream.of(
                new Unusable("a ledger key file that holds no key",
                        (harness, env) -> env.put("LEDGER_SIGNING_KEY_FILE", harness.write("ledger.pem", "hello").toString()),
                        "LEDGER_SIGNING_KEY_FILE: PEM file "),
                new Unusable("an App key variable that holds no key", (harness, env) -> {
                    env.put("GITHUB_APP_KEY_ALIAS", "");
                    env.put("APP_SECRET_CERTIFICATE_ENV_VAR", "APP_PEM");
                    env.put("APP_PEM", "not a key");
                }, "APP_SECRET_CERTIFICATE_ENV_VAR: PEM in environment variable APP_PEM"),
                new Unusable("an audit readers policy that does not parse",
                        (harness, env) -> env.put("AUDIT_READERS_POLICY_FILE", harness.write("readers.yaml", "issuer: [").toString()),
                        "AUDIT_READERS_POLICY_FILE: is not a valid trust policy: "),
                new Unusable("an audit readers policy that takes exchange tokens",
                        (harness, env) -> env.put("AUDIT_READERS_POLICY_FILE", harness.write("readers.yaml", """
                                issuer: https://token.actions.githubusercontent.com
                                subject: repo:org/security:ref:refs/heads/main
                                audience_pattern: '.*'
                                """).toString()),
                        "AUDIT_READERS_POLICY_FILE: "),
                new Unusable("a PORT another program listens on",
                        (harness, env) -> env.put("PORT", Integer.toString(taken.getLocalPort())),
                        "PORT: cannot listen on 127.0.0.1:"),
                new Unusable("an ADMIN_PORT another program listens on",
                        (harness, env) -> env.put("ADMIN_PORT", Integer.toString(taken.getLocalPort())),
                        "ADMIN_PORT: cannot listen on 127.0.0.1:"),
                new Unusable("a DATABASE_MIGRATION_URL of the service's own login",
                        (harness, env) -> env.put("DATABASE_MIGRATION_URL", env.get("DATABASE_URL")),
                        "DATABASE_MIGRATION_URL: login "));
    }

    /** A port that another program listens on while the service starts. */
    private static ServerSocket taken;

    @BeforeAll
    static void takeAPort() throws IOException {
        taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    @AfterAll
    static void releaseThePort() throws IOException {
        taken.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void theServiceRefusesToStartWithOneLine(Unusable unusable) {
        try (Harness harness = new Harness()) {
            harness.installWithMainBranchPolicy("ci");
            unusable.setting().accept(harness, harness.env);

            assertThatThrownBy(harness::start)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(unusable.message())
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
            assertThat(harness.application()).as("nothing started").isNull();
        }
    }
}
