package dev.octosts.ledger;

import dev.octosts.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The schema on a real PostgreSQL: applied once, and append-only for the runtime role and the owner. */
class MigrationsTest {

    @Test
    void migratesOnceAndTheRuntimeRoleCanOnlyInsertAndSelect() throws SQLException {
        TestDatabase database = TestDatabase.shared();
        String owner = database.createDatabase();
        assertThat(Migrations.migrate(owner)).isEqualTo(6);
        assertThat(Migrations.migrate(owner)).isZero();
        String runtime = TestDatabase.createRuntimeLogin(owner);

        try (Connection connection = DriverManager.getConnection(runtime); Statement sql = connection.createStatement()) {
            sql.execute("INSERT INTO ledger_chain VALUES ('00000000-0000-0000-0000-000000000001', now(), 'host', 1)");
            assertThat(count(sql, "SELECT count(*) FROM ledger_chain")).isEqualTo(1);
            assertThatThrownBy(() -> sql.execute("UPDATE ledger_chain SET host = 'x'"))
                    .isInstanceOf(SQLException.class).hasMessage("ERROR: permission denied for table ledger_chain");
            assertThatThrownBy(() -> sql.execute("DELETE FROM ledger_chain"))
                    .isInstanceOf(SQLException.class).hasMessage("ERROR: permission denied for table ledger_chain");
            assertThatThrownBy(() -> sql.execute("TRUNCATE ledger_chain CASCADE"))
                    .isInstanceOf(SQLException.class).hasMessage("ERROR: permission denied for table ledger_chain");
            assertThatThrownBy(() -> sql.execute("DROP TABLE ledger_checkpoint"))
                    .isInstanceOf(SQLException.class).hasMessage("ERROR: must be owner of table ledger_checkpoint");
            // Replay protection's memory: claimed by inserting, never forgotten by the service's own login.
            sql.execute("INSERT INTO oidc_token_use VALUES ('" + "a".repeat(64) + "', now() - interval '1 day', now())");
            assertThat(count(sql, "SELECT count(*) FROM oidc_token_use")).isEqualTo(1);
            assertThatThrownBy(() -> sql.execute("DELETE FROM oidc_token_use"))
                    .isInstanceOf(SQLException.class).hasMessage("ERROR: permission denied for table oidc_token_use");
            assertThatThrownBy(() -> sql.execute("UPDATE oidc_token_use SET used_at = now()"))
                    .isInstanceOf(SQLException.class).hasMessage("ERROR: permission denied for table oidc_token_use");
            assertThatThrownBy(() -> sql.execute("TRUNCATE oidc_token_use"))
                    .isInstanceOf(SQLException.class).hasMessage("ERROR: permission denied for table oidc_token_use");
        }
        try (Connection connection = DriverManager.getConnection(owner); Statement sql = connection.createStatement()) {
            // Even the owner is stopped by the triggers.
            assertThatThrownBy(() -> sql.execute("UPDATE ledger_chain SET host = 'x'"))
                    .hasMessageContaining("append-only");
            assertThatThrownBy(() -> sql.execute("DELETE FROM ledger_chain")).hasMessageContaining("append-only");
            assertThatThrownBy(() -> sql.execute("TRUNCATE ledger_chain CASCADE")).hasMessageContaining("append-only");
            assertThat(count(sql, "SELECT count(*) FROM ledger_chain")).isEqualTo(1);
            // The owner forgets expired uses (octo-sts ledger maintain).
            assertThat(OidcTokenUses.prune(connection, java.time.Instant.now())).isEqualTo(1);
            assertThat(count(sql, "SELECT count(*) FROM oidc_token_use")).isZero();
        }
    }

    private static long count(Statement sql, String query) throws SQLException {
        try (var rows = sql.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
