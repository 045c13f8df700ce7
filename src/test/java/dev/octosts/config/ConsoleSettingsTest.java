package dev.octosts.config;

import dev.octosts.testing.MinimalEnvironment;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsoleSettingsTest {
    @TempDir
    Path dir;
    private Map<String, String> env;

    @BeforeEach
    void console() throws IOException {
        env = MinimalEnvironment.in(dir);
        env.put("AUDIT_READERS_POLICY_FILE", Files.writeString(dir.resolve("readers.yaml"), "issuer: https://idp.example.com\n").toString());
        env.put("CONSOLE_OIDC_ISSUER", "https://idp.example.com");
        env.put("CONSOLE_CLIENT_ID", "octo-sts-console");
        env.put("CONSOLE_CLIENT_SECRET", "s3cret-value");
        env.put("CONSOLE_REDIRECT_URL", "https://audit.example.com/console/callback");
    }

    @Test
    void withoutItsSettingsTheConsoleIsOff() {
        env.keySet().removeIf(name -> name.startsWith("CONSOLE_"));
        assertThat(Settings.fromEnvironment(env).console()).isNull();
    }

    @Test
    void readsTheProviderAndClientAndNeverPrintsTheSecret() throws IOException {
        ConsoleSettings console = Settings.fromEnvironment(env).console();
        assertThat(console.issuer()).isEqualTo(URI.create("https://idp.example.com"));
        assertThat(console.clientId()).isEqualTo("octo-sts-console");
        assertThat(console.clientSecret()).isEqualTo("s3cret-value");
        assertThat(console.toString()).doesNotContain("s3cret-value");

        env.remove("CONSOLE_CLIENT_SECRET");
        env.put("CONSOLE_CLIENT_SECRET_FILE", Files.writeString(dir.resolve("secret"), "from-file\n").toString());
        assertThat(Settings.fromEnvironment(env).console().clientSecret()).isEqualTo("from-file");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "CONSOLE_CLIENT_ID|''|CONSOLE_CLIENT_ID: is required",
            "CONSOLE_OIDC_ISSUER|''|CONSOLE_OIDC_ISSUER: is required",
            "CONSOLE_OIDC_ISSUER|http://idp.example.com|CONSOLE_OIDC_ISSUER: must be an https URL",
            "CONSOLE_REDIRECT_URL|https://audit.example.com/elsewhere|CONSOLE_REDIRECT_URL: must end in /console/callback",
            "CONSOLE_REDIRECT_URL|not a url|CONSOLE_REDIRECT_URL: must be an https URL",
            "CONSOLE_CLIENT_SECRET|''|CONSOLE_CLIENT_SECRET: set exactly one of",
            "CONSOLE_CLIENT_SECRET_FILE|/nonexistent/secret|CONSOLE_CLIENT_SECRET_FILE: file /nonexistent/secret does not exist",
            "AUDIT_READERS_POLICY_FILE|''|CONSOLE_OIDC_ISSUER: needs AUDIT_READERS_POLICY_FILE",
    })
    void aBadConsoleSettingIsOneLineNamingTheVariable(String variable, String value, String message) {
        env.put(variable, value);
        assertThatThrownBy(() -> Settings.fromEnvironment(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("s3cret-value"));
    }
}
