package dev.octosts.oidc;

import dev.octosts.testing.MinimalEnvironment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.octosts.config.ConfigException;
import dev.octosts.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The OIDC settings config reads as text, checked by oidc's rules: one line naming the variable per bad one. */
class OidcSettingsReaderTest {
    @TempDir
    Path dir;
    private Map<String, String> env;

    @BeforeEach
    void minimalEnvironment() throws IOException {
        env = MinimalEnvironment.in(dir);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "AUDIT_READERS_AUDIENCE|two words|AUDIT_READERS_AUDIENCE: is not an audience a token can carry (got \"two words\")",
            "OIDC_JWKS_OVERRIDES|/nonexistent.json|OIDC_JWKS_OVERRIDES: JWKS overrides file /nonexistent.json cannot be read",
            "OIDC_ALLOWED_ISSUERS|https://a.example,http://b.example|OIDC_ALLOWED_ISSUERS: \"http://b.example\" is not a valid issuer",
            "OIDC_ALLOWED_ISSUERS|https://a.example?x=1|OIDC_ALLOWED_ISSUERS: \"https://a.example?x=1\" is not a valid issuer",
            "OIDC_ALLOWED_ISSUER_PATTERNS|https://(a|OIDC_ALLOWED_ISSUER_PATTERNS: \"https://(a\" is not a valid RE2 pattern: missing closing )",
            "OIDC_ALLOWED_ISSUER_PATTERNS|a)(b|OIDC_ALLOWED_ISSUER_PATTERNS: \"a)(b\" is not a valid RE2 pattern",
    })
    void aBadSettingIsOneLineNamingTheVariable(String variable, String value, String message) {
        env.put(variable, value);
        Settings settings = Settings.fromEnvironment(env);
        assertThatThrownBy(() -> {
            OidcSettingsReader.read(settings, Clock.systemUTC());
            OidcSettingsReader.auditReadersAudience(settings);
        })
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void withoutIssuerSettingsEveryIssuerIsAllowed() {
        Settings settings = Settings.fromEnvironment(env);
        assertThat(OidcSettingsReader.read(settings, Clock.systemUTC()).allowedIssuers()).isEqualTo(IssuerAllowlist.ANY);
        assertThat(OidcSettingsReader.auditReadersAudience(settings)).isEqualTo("sts.example.com/audit");
    }

    @Test
    void issuerAllowlistTakesExactIssuersAndAnchoredPatterns() {
        env.put("OIDC_ALLOWED_ISSUERS", " https://token.actions.githubusercontent.com , https://accounts.google.com");
        env.put("OIDC_ALLOWED_ISSUER_PATTERNS",
                "https://[a-z0-9-]{1,63}\\.example\\.com,https://oidc\\.eks\\.[a-z0-9-]+\\.amazonaws\\.com/id/[A-Z0-9,]+");

        IssuerAllowlist allowlist = OidcSettingsReader.read(Settings.fromEnvironment(env), Clock.systemUTC()).allowedIssuers();

        assertThat(allowlist.issuers()).containsExactlyInAnyOrder("https://token.actions.githubusercontent.com",
                "https://accounts.google.com");
        assertThat(allowlist.patterns()).containsExactly("https://[a-z0-9-]{1,63}\\.example\\.com",
                "https://oidc\\.eks\\.[a-z0-9-]+\\.amazonaws\\.com/id/[A-Z0-9,]+");
        assertThat(allowlist.allows("https://ci.example.com")).isTrue();
        assertThat(allowlist.allows("https://ci.example.com.evil.net")).isFalse();
    }

    @Test
    void theOverridesFileIsReadIntoTheVerifiersSettings() throws IOException {
        Path jwks = Files.writeString(dir.resolve("jwks.json"), "{\"keys\":[]}");
        Path overrides = Files.writeString(dir.resolve("overrides.json"),
                "{\"https://issuer.example\": \"" + jwks.toAbsolutePath() + "\"}");
        env.put("OIDC_JWKS_OVERRIDES", overrides.toString());

        OidcSettings settings = OidcSettingsReader.read(Settings.fromEnvironment(env), Clock.systemUTC());

        assertThat(settings.jwksOverrides()).isEqualTo(Map.of("https://issuer.example", jwks.toAbsolutePath().toString()));
    }
}
