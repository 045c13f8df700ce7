package dev.octosts.config;

import dev.octosts.testing.MinimalEnvironment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code LEDGER_ANCHOR_DIR} and {@code LEDGER_ANCHOR_LOG}: where signed ledger heads go outside the database. */
class LedgerAnchorSettingsTest {
    @TempDir
    Path dir;
    private Map<String, String> env;

    @BeforeEach
    void minimalEnvironment() throws IOException {
        env = MinimalEnvironment.in(dir);
    }

    @Test
    void noAnchorsByDefault() {
        assertThat(Settings.fromEnvironment(env).ledgerAnchors()).isEqualTo(new Settings.LedgerAnchors(null, false));
    }

    @Test
    void aWritableDirectoryAndTheLogWithAnExporter() throws IOException {
        Path anchors = Files.createDirectory(dir.resolve("anchors"));
        env.put("LEDGER_ANCHOR_DIR", anchors.toString());
        env.put("LEDGER_ANCHOR_LOG", "true");
        env.put("OTEL_LOGS_EXPORTER", "otlp");

        assertThat(Settings.fromEnvironment(env).ledgerAnchors()).isEqualTo(new Settings.LedgerAnchors(anchors, true));
    }

    @Test
    void aDirectoryThatDoesNotExistIsRefused() {
        env.put("LEDGER_ANCHOR_DIR", dir.resolve("missing").toString());

        assertThatThrownBy(() -> Settings.fromEnvironment(env)).isInstanceOf(ConfigException.class)
                .hasMessage("LEDGER_ANCHOR_DIR: directory " + dir.resolve("missing") + " does not exist or cannot be written");
    }

    @Test
    void aFileIsNotADirectory() {
        env.put("LEDGER_ANCHOR_DIR", env.get("LEDGER_SIGNING_KEY_FILE"));

        assertThatThrownBy(() -> Settings.fromEnvironment(env)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("LEDGER_ANCHOR_DIR: directory ");
    }

    @Test
    void theLogWithoutALogsExporterIsRefusedRatherThanDropped() {
        env.put("LEDGER_ANCHOR_LOG", "true");

        assertThatThrownBy(() -> Settings.fromEnvironment(env)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("LEDGER_ANCHOR_LOG: is true, but OTEL_LOGS_EXPORTER is not set (or none)");
    }
}
