package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OidcSettingsTest {
    @TempDir
    Path dir;

    @Test
    void defaultsHaveNoOverridesNoPrivateHostsAndFiveAndTenSeconds() {
        OidcSettings settings = OidcSettings.defaults();

        assertThat(settings.jwksOverrides()).isEmpty();
        assertThat(settings.privateNetworkHosts()).isEmpty();
        assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.readTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void readsFilePathsAndHttpsOrLoopbackUrls() throws Exception {
        Path keys = Files.writeString(dir.resolve("keys.json"), "{\"keys\":[]}");
        Path file = Files.writeString(dir.resolve("overrides.json"), """
                {"https://token.actions.githubusercontent.com": "%s",
                 "https://accounts.google.com": "https://www.googleapis.com/oauth2/v3/certs",
                 "http://127.0.0.1:8080": "http://127.0.0.1:8080/keys"}
                """.formatted(keys));

        assertThat(OidcSettings.readOverridesFile(file)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "https://token.actions.githubusercontent.com", keys.toString(),
                "https://accounts.google.com", "https://www.googleapis.com/oauth2/v3/certs",
                "http://127.0.0.1:8080", "http://127.0.0.1:8080/keys"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            bad JSON                | {"https://a.example": "/x"               | is not valid JSON
            duplicate issuer        | {"https://a.example": "https://k.example/1", "https://a.example": "https://k.example/2"} | is not valid JSON
            array                   | ["https://a.example"]                    | must hold a JSON object
            empty file              | ''                                       | must hold a JSON object
            value not a string      | {"https://a.example": 5}                 | must be a string
            invalid issuer          | {"http://evil.example.com": "https://k.example/jwks"} | is not a valid issuer
            issuer with query       | {"https://a.example?x=1": "https://k.example/jwks"} | is not a valid issuer
            relative file           | {"https://a.example": "keys/jwks.json"}  | is relative
            missing file            | {"https://a.example": "/nonexistent/octo-sts/jwks.json"} | does not exist
            plain http URL          | {"https://a.example": "http://keys.example.com/jwks"} | must be an https URL
            ftp URL                 | {"https://a.example": "ftp://keys.example.com/jwks"} | must be an https URL
            userinfo URL            | {"https://a.example": "https://u:p@keys.example.com/jwks"} | must be an https URL
            """)
    void refusesBadOverridesWithOneSentence(String name, String content, String expected) throws Exception {
        Path file = Files.writeString(dir.resolve("overrides.json"), content);

        assertThatIllegalArgumentException().isThrownBy(() -> OidcSettings.readOverridesFile(file))
                .withMessageContaining(expected)
                .withMessageEndingWith(".")
                .withMessageNotContaining("\n");
    }

    @Test
    void refusesMissingOverridesFile() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> OidcSettings.readOverridesFile(dir.resolve("absent.json")))
                .withMessageContaining("cannot be read");
    }

    @Test
    void constructorAppliesTheSameOverrideRules() {
        assertThatIllegalArgumentException().isThrownBy(() -> OidcSettings.defaults()
                        .withJwksOverrides(Map.of("https://a.example", "relative.json")))
                .withMessageContaining("is relative");
        assertThatIllegalArgumentException().isThrownBy(() -> OidcSettings.defaults()
                        .withJwksOverrides(Map.of("not an issuer", "https://k.example/jwks")))
                .withMessageContaining("is not a valid issuer");
    }

    @Test
    void refusesNonPositiveTimeouts() {
        assertThatIllegalArgumentException().isThrownBy(() -> new OidcSettings(Map.of(), Set.of(), Duration.ZERO,
                Duration.ofSeconds(1), Clock.systemUTC()));
        assertThatIllegalArgumentException().isThrownBy(() -> new OidcSettings(Map.of(), Set.of(), Duration.ofSeconds(1),
                Duration.ofSeconds(-1), Clock.systemUTC()));
    }

    @Test
    void privateNetworkHostsAreLowerCasedWithoutBrackets() {
        OidcSettings settings = OidcSettings.defaults().withPrivateNetworkHosts(Set.of("LocalHost", "[::1]", "127.0.0.1"));

        assertThat(settings.privateNetworkHosts()).containsExactlyInAnyOrder("localhost", "::1", "127.0.0.1");
    }
}
