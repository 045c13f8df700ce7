package dev.octosts.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.octosts.keys.Pkcs11Token;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token settings and the start-up errors that need no token. */
class Pkcs11SettingsTest {
    @TempDir
    Path dir;

    @Test
    void aModuleThatCannotBeLoadedIsOneLineNamingPkcs11Config() throws IOException {
        Path config = Files.writeString(dir.resolve("pkcs11.cfg"), "name = missing\nlibrary = " + dir.resolve("nope.so") + "\n");
        assertThatThrownBy(() -> Pkcs11Token.open(new Pkcs11Settings(config, "1234")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("PKCS11_CONFIG: cannot use the PKCS#11 module configured in " + config + ": ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "1234"));
    }

    @Test
    void thePinFileIsReadAndStrippedAndNeverShown() throws IOException {
        Path config = Files.writeString(dir.resolve("pkcs11.cfg"), "library = /x.so\n");
        Path pin = Files.writeString(dir.resolve("pin"), "  s3cret-pin \n");
        Pkcs11Settings settings = Pkcs11Settings.fromEnvironment(
                Map.of("PKCS11_CONFIG", config.toString(), "PKCS11_PIN_FILE", pin.toString()), "LEDGER_KEY_ALIAS");
        assertThat(settings.pin()).isEqualTo("s3cret-pin");
        assertThat(settings.toString()).contains(config.toString()).doesNotContain("s3cret-pin");
    }

    @Test
    void aMissingConfigNamesTheVariableThatNeedsIt() {
        assertThatThrownBy(() -> Pkcs11Settings.fromEnvironment(Map.of("PKCS11_PIN", "1"), "LEDGER_KEY_ALIAS"))
                .hasMessageStartingWith("PKCS11_CONFIG: is required when LEDGER_KEY_ALIAS is set");
    }
}
