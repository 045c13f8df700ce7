package dev.octosts.dev;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server on 127.0.0.1, run from the binaries on the class path, for the dev
 * sandbox, the benchmark and tests. Durable like production: {@code fsync} and
 * {@code synchronous_commit} are on. It can be stopped and started again on the same data and port,
 * to rehearse a database outage.
 */
public final class LocalPostgres implements AutoCloseable {
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

    /** Starts a server on the given data directory, which is kept (created on first use). */
    public static LocalPostgres start(Path dataDirectory) {
        LocalPostgres postgres = new LocalPostgres(dataDirectory, false);
        postgres.startServer();
        return postgres;
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
