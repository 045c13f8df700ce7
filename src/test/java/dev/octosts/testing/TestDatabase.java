package dev.octosts.testing;

import dev.octosts.dev.LocalPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real PostgreSQL server tests run against, one per test JVM: {@code OCTOSTS_TEST_DATABASE_URL}
 * (a superuser JDBC URL) when set, else a {@code postgres:18} container when Docker is available, else
 * an embedded PostgreSQL 18. Each test gets a database of its own from {@link #createDatabase()}.
 */
public final class TestDatabase {
    private static TestDatabase shared;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String adminUrl;

    private TestDatabase(String adminUrl) {
        this.adminUrl = adminUrl;
    }

    public static synchronized TestDatabase shared() {
        if (shared == null) {
            shared = new TestDatabase(startServer());
        }
        return shared;
    }

    private static String startServer() {
        String configured = System.getenv("OCTOSTS_TEST_DATABASE_URL");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        if (dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:18")
                    .withCommand("postgres", "-c", "fsync=on", "-c", "synchronous_commit=on");
            container.start();
            return container.getJdbcUrl() + (container.getJdbcUrl().contains("?") ? "&" : "?")
                    + "user=" + container.getUsername() + "&password=" + container.getPassword();
        }
        LocalPostgres postgres = LocalPostgres.start();
        Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "test-postgres-stop"));
        return postgres.jdbcUrl("postgres");
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** A new, empty database; returns a superuser JDBC URL for it. */
    public String createDatabase() {
        String name = "octosts_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection connection = DriverManager.getConnection(adminUrl);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return withDatabase(adminUrl, name);
    }

    /** A new, empty database with its two logins, as deployed: the schema owner (not a superuser) and a runtime login. */
    public LocalPostgres.LedgerLogins createLedgerDatabase() {
        String superuser = createDatabase();
        return new LocalPostgres.LedgerLogins(createOwnerLogin(superuser), createRuntimeLogin(superuser));
    }

    /**
     * Creates a login role, not a superuser, that owns the database of {@code superuserUrl} and so may
     * create the ledger schema there (as deployed: the migration login), and the {@code octo_sts_runtime}
     * group role that the migration grants to, if it is missing. Returns the database's JDBC URL as that login.
     */
    public static String createOwnerLogin(String superuserUrl) {
        String role = "octosts_owner_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        String password = java.util.UUID.randomUUID().toString();
        String database = databaseName(superuserUrl);
        try (Connection connection = DriverManager.getConnection(superuserUrl);
             Statement statement = connection.createStatement()) {
            statement.execute("""
                    DO $$ BEGIN
                        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'octo_sts_runtime') THEN
                            CREATE ROLE octo_sts_runtime NOLOGIN;
                        END IF;
                    END $$""");
            statement.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
            statement.execute("ALTER DATABASE " + database + " OWNER TO " + role);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create role " + role, e);
        }
        return loginUrl(superuserUrl, role, password);
    }

    /** The login ({@code user=}) of a JDBC URL made here. */
    public static String user(String jdbcUrl) {
        java.util.regex.Matcher user = java.util.regex.Pattern.compile("[?&]user=([^&]+)").matcher(jdbcUrl);
        if (!user.find()) {
            throw new IllegalArgumentException("no user in the JDBC URL");
        }
        return user.group(1);
    }

    /**
     * Creates a login role that is a member of {@code octo_sts_runtime} (the role the migration grants
     * INSERT and SELECT) and returns the JDBC URL of {@code database} as that role.
     */
    public static String createRuntimeLogin(String superuserUrl) {
        String role = "octosts_app_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        String password = java.util.UUID.randomUUID().toString();
        try (Connection connection = DriverManager.getConnection(superuserUrl);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "' IN ROLE octo_sts_runtime");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create role " + role, e);
        }
        return loginUrl(superuserUrl, role, password);
    }

    private static String loginUrl(String url, String role, String password) {
        String base = url.substring(0, url.indexOf('?') < 0 ? url.length() : url.indexOf('?'));
        return base + "?user=" + role + "&password=" + password;
    }

    private static String databaseName(String url) {
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        return base.substring(base.lastIndexOf('/') + 1);
    }

    private static String withDatabase(String url, String database) {
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        String params = query < 0 ? "" : url.substring(query);
        return base.substring(0, base.lastIndexOf('/') + 1) + database + params;
    }
}
