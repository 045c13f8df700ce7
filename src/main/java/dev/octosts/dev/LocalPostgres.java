package dev.octosts.dev;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server on 127.0.0.1, run from the binaries on the class path, for the dev
 * sandbox, the benchmark and tests. Durable like production: {@code fsync} and
 * {@code synchronous_commit} are on. It can be stopped and started again on the same data and port,
 * to rehearse a database outage.
 */
public final class LocalPostgres implements AutoCloseable {
    /** The sandbox's ledger database and its two logins (the server trusts connections from loopback). */
    private static final String LEDGER_DATABASE = "octo_sts";
    private static final String OWNER_LOGIN = "octo_sts_owner";
    private static final String RUNTIME_LOGIN = "octo_sts_app";

    private static final System.Logger LOG = System.getLogger(LocalPostgres.class.getName());

    private final Path dataDirectory;
    private final boolean temporary;
    private int port;
    private EmbeddedPostgres server;

    private LocalPostgres(Path dataDirectory, boolean temporary) {
        this.dataDirectory = dataDirectory;
        this.temporary = temporary;
    }

    /** Starts a server on a temporary data directory, removed again by {@link #close()}. */
    public static LocalPostgres start() {
        try {
            LocalPostgres postgres = new LocalPostgres(Files.createTempDirectory("octo-sts-postgres"), true);
            postgres.startServer();
            return postgres;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a server on the given data directory, which is kept (created on first use), on the port it had
     * last time (kept next to it, in {@code <directory>.port}): a JDBC URL exported earlier still works. Only
     * when another program has taken that port since does it move to a new one.
     */
    public static LocalPostgres start(Path dataDirectory) {
        LocalPostgres postgres = new LocalPostgres(dataDirectory, false);
        Path portFile = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".port");
        int previous = previousPort(portFile);
        postgres.port = previous;
        try {
            postgres.startServer();
        } catch (RuntimeException e) {
            if (previous == 0) {
                throw e;
            }
            LOG.log(System.Logger.Level.WARNING, "PostgreSQL cannot listen on its previous port " + previous
                    + " (taken by another program?): it moves to a new port, and JDBC URLs exported before no longer work");
            postgres.port = 0;
            postgres.startServer();
        }
        try {
            Files.writeString(portFile, Integer.toString(postgres.port));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep PostgreSQL's port in " + portFile, e);
        }
        return postgres;
    }

    private static int previousPort(Path portFile) {
        try {
            return Files.exists(portFile) ? Integer.parseInt(Files.readString(portFile).strip()) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private void startServer() {
        try {
            server = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    // The owner stops the server, after whatever still writes to it (a JVM shutdown hook
                    // of its own would race the service's final ledger checkpoint).
                    .setRegisterShutdownHook(false)
                    .setPort(port)
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("max_connections", "200")
                    .start();
            port = server.getPort();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start in " + dataDirectory, e);
        }
    }

    public int port() {
        return port;
    }

    /** The superuser's JDBC URL for a database on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    /**
     * The ledger database's two logins, as deployed: the schema's owner, which runs the migrations, and
     * the service's login, a member of {@code octo_sts_runtime} (which the migrations grant INSERT and
     * SELECT on the ledger tables), which therefore cannot rewrite the ledger.
     */
    public record LedgerLogins(String ownerUrl, String runtimeUrl) {
    }

    /**
     * Creates, where missing, database {@value #LEDGER_DATABASE} owned by login {@value #OWNER_LOGIN} (not a
     * superuser), the group role {@code octo_sts_runtime} and the service's login {@value #RUNTIME_LOGIN} in it.
     */
    public LedgerLogins ledgerDatabase() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"));
             Statement sql = connection.createStatement()) {
            sql.execute("""
                    DO $$ BEGIN
                        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'octo_sts_runtime') THEN
                            CREATE ROLE octo_sts_runtime NOLOGIN;
                        END IF;
                        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%1$s') THEN
                            CREATE ROLE %1$s LOGIN;
                        END IF;
                        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%2$s') THEN
                            CREATE ROLE %2$s LOGIN IN ROLE octo_sts_runtime;
                        END IF;
                    END $$""".formatted(OWNER_LOGIN, RUNTIME_LOGIN));
            boolean exists;
            try (ResultSet rows = sql.executeQuery("SELECT FROM pg_database WHERE datname = '" + LEDGER_DATABASE + "'")) {
                exists = rows.next();
            }
            if (!exists) {
                // Its public schema belongs to the database owner, so the owner login may create the tables there.
                sql.execute("CREATE DATABASE " + LEDGER_DATABASE + " OWNER " + OWNER_LOGIN);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the ledger database and its logins", e);
        }
        String base = "jdbc:postgresql://127.0.0.1:" + port + "/" + LEDGER_DATABASE + "?user=";
        return new LedgerLogins(base + OWNER_LOGIN, base + RUNTIME_LOGIN);
    }

    /** Stops the server, keeping its data: connections fail until {@link #restart()}. */
    public synchronized void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server = null;
        }
    }

    /** Starts the server again on the same data directory and port. */
    public synchronized void restart() {
        if (server == null) {
            startServer();
        }
    }

    @Override
    public synchronized void close() {
        stop();
        if (temporary) {
            try (Stream<Path> files = Files.walk(dataDirectory)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
