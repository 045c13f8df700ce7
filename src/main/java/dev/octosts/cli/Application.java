package dev.octosts.cli;

import dev.octosts.config.AppKeySource;
import dev.octosts.config.ConfigException;
import dev.octosts.config.Settings;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.octosts.exchange.ExchangeService;
import dev.octosts.exchange.TokenRevocation;
import dev.octosts.guard.ExchangeDeadline;
import dev.octosts.guard.RateLimits;
import dev.octosts.github.AppPool;
import dev.octosts.github.AppRouter;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.PolicyFiles;
import dev.octosts.console.ConsoleRoutes;
import dev.octosts.exchange.AuditReaders;
import dev.octosts.http.AdminServer;
import dev.octosts.http.StsServer;
import dev.octosts.ledger.AnchorDirectory;
import dev.octosts.ledger.IncrementalVerifier;
import dev.octosts.ledger.LedgerAnchors;
import dev.octosts.ledger.LedgerExport;
import dev.octosts.ledger.LedgerGrants;
import dev.octosts.ledger.LedgerLogin;
import dev.octosts.ledger.LedgerQuery;
import dev.octosts.ledger.LedgerSearch;
import dev.octosts.ledger.RecordProof;
import dev.octosts.ledger.LedgerVerifier;
import dev.octosts.policy.CompiledTrustPolicy;
import dev.octosts.policy.PolicyException;
import dev.octosts.policy.PolicyFileCheck;
import dev.octosts.policy.PolicyParser;
import dev.octosts.policy.TrustPolicies;
import dev.octosts.keys.PemKeys;
import dev.octosts.keys.Pkcs11Token;
import dev.octosts.keys.SigningStats;
import dev.octosts.keys.SigningKey;
import dev.octosts.ledger.CheckpointSigner;
import dev.octosts.ledger.Checkpointer;
import dev.octosts.ledger.Ledger;
import dev.octosts.ledger.LedgerSettings;
import dev.octosts.ledger.Migrations;
import dev.octosts.ledger.OidcTokenUses;
import dev.octosts.oidc.OidcSettings;
import dev.octosts.oidc.OidcSettingsReader;
import dev.octosts.oidc.OidcVerifier;
import dev.octosts.telemetry.Telemetry;
import dev.octosts.telemetry.TracedSigningKey;
import dev.octosts.webhook.WebhookSecrets;
import dev.octosts.webhook.WebhookService;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;

import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.api.FlywayException;

/** The service wired together from its settings: every part built once, by its constructor. */
public final class Application implements AutoCloseable {
    private static final Duration GITHUB_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Connections of the runtime pool: the ledger writer, the checkpointer, audit readers, revocations'
     * grant lookups and replay protection's claims (one short statement each).
     */
    private static final int DATABASE_POOL_SIZE = 6;
    private static final System.Logger LOG = System.getLogger(Application.class.getName());

    /**
     * What start-up built, from the settings it read: the parts the application closes, and the signing
     * statistics of the PKCS#11 token (null when every key is a PEM file).
     */
    private record Parts(Settings settings, StsServer server, AdminServer admin, Ledger ledger,
                         Checkpointer checkpointer, HikariDataSource database, OidcVerifier oidc, GitHubClient github,
                         Telemetry telemetry, SigningStats tokenSigning) {
        /** The listeners first, then the ledger drains and the final checkpoint is written, then the rest. */
        List<AutoCloseable> inClosingOrder() {
            return List.of(server, admin, ledger, checkpointer, database, oidc, github, telemetry);
        }
    }

    private final Parts parts;

    private Application(Parts parts) {
        this.parts = parts;
    }

    /** Builds and starts the service, with telemetry from the OTEL_* environment variables. */
    public static Application start(Settings settings, Clock clock) {
        Telemetry telemetry = Telemetry.fromEnvironment();
        try {
            return start(settings, clock, telemetry);
        } catch (RuntimeException e) {
            telemetry.close();
            throw e;
        }
    }

    /**
     * Builds and starts the service, which closes {@code telemetry} when it closes; a bad key or setting
     * throws {@link ConfigException}.
     */
    public static Application start(Settings settings, Clock clock, Telemetry telemetry) {
        // The OIDC settings config reads as plain text are checked first: a bad one stops start-up before a key
        // is loaded or the database touched.
        OidcSettings oidcSettings = OidcSettingsReader.read(settings, clock);
        String auditReadersAudience = OidcSettingsReader.auditReadersAudience(settings);
        step("settings read: STS domain " + settings.domain() + ", " + settings.apps().size() + " GitHub App(s)");
        Pkcs11Token token = settings.pkcs11() == null ? null : Pkcs11Token.open(settings.pkcs11());
        if (token != null) {
            telemetry.observeTokenSigning(() -> {
                SigningStats.Snapshot stats = token.stats().snapshot();
                return new long[] {stats.signatures(), stats.failures(), stats.reinitialisations(), stats.totalMicros()};
            });
        }
        Map<Long, GitHubApp> apps = new LinkedHashMap<>();
        for (Settings.App app : settings.apps()) {
            apps.put(app.appId(), new GitHubApp(app.appId(),
                    new TracedSigningKey(loadKey(app.key(), token), Telemetry.GITHUB_APP_KEY, telemetry)));
        }
        SigningKey ledgerKey = new TracedSigningKey(loadLedgerKey(settings, token), Telemetry.LEDGER_KEY, telemetry);
        CompiledTrustPolicy auditReaders = loadAuditReaders(settings);
        step("keys loaded: " + apps.size() + " GitHub App key(s) and the ledger key"
                + (token == null ? "" : " (PKCS#11 token of " + settings.pkcs11().configFile() + ")")
                + (auditReaders == null ? "; no audit readers" : "; audit readers' policy read"));
        Map<String, AppPool> pools = new HashMap<>();
        settings.pools().forEach((org, ids) -> pools.put(org, new AppPool(org, ids.stream().map(apps::get).toList())));

        if (settings.migrate()) {
            try {
                step("ledger schema migrated: " + Migrations.migrate(settings.migrationUrl()) + " migration(s) applied");
            } catch (Migrations.NotOwner e) {
                throw new ConfigException("DATABASE_MIGRATION_URL", e.getMessage() + ": it must be the schema owner's login;"
                        + " DATABASE_URL is the service's own, which may only INSERT and SELECT");
            }
        }
        HikariDataSource database = runtimePool(settings.databaseUrl());
        String privilegedLogin;
        try {
            if (!settings.migrate()) {
                requireCurrentSchema(settings, database);
            }
            privilegedLogin = checkLogin(settings, database);
            step("database: schema current, the DATABASE_URL login " + (privilegedLogin == null ? "may only append"
                    : "could rewrite the ledger (allowed)"));
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
        Ledger ledger = new Ledger(database, LedgerSettings.defaults(), clock, telemetry).start();
        telemetry.observeLedgerQueue(ledger::queueDepth);
        step("ledger writer started; a signed checkpoint every " + settings.checkpointInterval().toSeconds() + " s");
        CheckpointSigner signer = new CheckpointSigner(ledgerKey);
        Checkpointer checkpointer = new Checkpointer(database, signer, ledger::head,
                settings.checkpointInterval(), clock, privilegedLogin, ledgerAnchors(settings, database, signer, clock, telemetry))
                .start();

        OidcVerifier oidc = new OidcVerifier(oidcSettings, telemetry);
        GitHubClient github = new GitHubClient(settings.githubBaseUrl(), GITHUB_TIMEOUT, clock, telemetry);
        AppRouter router = new AppRouter(pools);
        StrangerGuards guards = StrangerGuards.of(settings, oidcSettings, database, clock, telemetry);
        RateLimits limits = guards.limits();
        // One compile cache for the exchange and the webhook: the webhook judges a file as the exchange does.
        TrustPolicies trustPolicies = new TrustPolicies();
        ExchangeService exchange = new ExchangeService(limits, new ExchangeDeadline(settings.exchangeDeadline()), oidc,
                router, github, new PolicyFiles(github, clock, PolicyFileCheck.MAX_FILE_BYTES, telemetry), trustPolicies,
                ledger, settings.replayProtection() ? new OidcTokenUses(database, clock) : null, settings.domain(),
                settings.orgPolicyRepo(), clock, telemetry);
        TokenRevocation revocation = new TokenRevocation(limits, new LedgerGrants(database), github, ledger, clock,
                telemetry);
        WebhookService webhook = settings.webhook() == null ? null
                : new WebhookService(new WebhookSecrets(settings.webhook().secrets()),
                        settings.webhook().organizationFilter(), settings.orgPolicyRepo(), router, github, trustPolicies,
                        database, clock, telemetry, settings.webhook().unverifiedPerAddressPerMinute());
        StsServer server = new StsServer(new StsServer.Listener(settings.bindAddress(), settings.port(),
                settings.maxConnections(), settings.tlsCertFile(), settings.tlsKeyFile()), settings.trustedProxies(), exchange,
                revocation, webhook, guards.tarpit(), telemetry);
        Settings.Admin adminSettings = settings.admin();
        AuditReaders readers = new AuditReaders(oidc, auditReaders, auditReadersAudience, settings.domain(), ledger, clock);
        ConsoleRoutes console = settings.console() == null ? null : new ConsoleRoutes(settings.console(), readers,
                new LedgerSearch(database), new RecordProof(database, List.of(signer.publicKey())), clock);
        AdminServer admin = new AdminServer(new StsServer.Listener(adminSettings.host(), adminSettings.port(),
                adminSettings.maxConnections(), adminSettings.tlsCertFile(), adminSettings.tlsKeyFile()),
                readers, new LedgerQuery(database), new LedgerExport(database),
                new IncrementalVerifier(new LedgerVerifier(database, List.of(signer.publicKey())),
                        adminSettings.verifyMaxRecords()), clock, telemetry, console);
        Application application = new Application(new Parts(settings, server, admin, ledger, checkpointer, database,
                oidc, github, telemetry, token == null ? null : token.stats()));
        try {
            application.listen();
        } catch (RuntimeException e) {
            application.closeAllBut(telemetry);
            throw e;
        }
        return application;
    }

    /** Opens both listeners; one that cannot listen stops start-up, naming its setting. */
    private void listen() {
        StsServer server = parts.server();
        AdminServer admin = parts.admin();
        Settings settings = parts.settings();
        try {
            server.start();
        } catch (IllegalStateException e) {
            throw new ConfigException("PORT", e.getMessage());
        }
        step("public listener on " + (server.isTls() ? "https" : "http") + "://" + settings.bindAddress() + ":" + server.port());
        try {
            admin.start();
        } catch (IllegalStateException e) {
            throw new ConfigException("ADMIN_PORT", e.getMessage());
        }
        step("admin listener on " + settings.admin().host() + ":" + admin.port());
    }

    /** One line per start-up step, so an operator sees how far start-up got. */
    private static void step(String done) {
        LOG.log(System.Logger.Level.INFO, done);
    }

    /** The stores outside the database that get a signed head of every chain after each checkpoint; null for none. */
    private static LedgerAnchors ledgerAnchors(Settings settings, DataSource database, CheckpointSigner signer, Clock clock,
                                               Telemetry telemetry) {
        Settings.LedgerAnchors anchors = settings.ledgerAnchors();
        List<LedgerAnchors.Store> stores = new ArrayList<>();
        if (anchors.directory() != null) {
            stores.add(new AnchorDirectory(anchors.directory()));
        }
        if (anchors.log()) {
            stores.add((head, signed) -> telemetry.ledgerHead(head.signedAt(), signed));
        }
        return stores.isEmpty() ? null : new LedgerAnchors(database, signer, clock, stores);
    }

    /** Refuses a schema older than this code, since the service's own login never migrates it. */
    private static void requireCurrentSchema(Settings settings, DataSource database) {
        String problem;
        try {
            int pending = Migrations.pending(database);
            if (pending == 0) {
                return;
            }
            problem = pending + " migration(s) not applied";
        } catch (FlywayException e) {
            problem = "its version cannot be read as DATABASE_URL: " + ErrorLine.of(e);
        }
        if (settings.migrationUrl() == null) {
            throw new ConfigException("DATABASE_MIGRATION_URL", "is not set and the ledger schema is not current (" + problem
                    + "): run octo-sts migrate, or set DATABASE_MIGRATION_URL to the schema owner's login");
        }
        throw new ConfigException("DATABASE_MIGRATE", "is false and the ledger schema is not current (" + problem
                + "): run octo-sts migrate, or set DATABASE_MIGRATE=true");
    }

    /**
     * Refuses a {@code DATABASE_URL} login that could rewrite the ledger, unless explicitly allowed.
     *
     * @return the warning for every checkpoint when such a login is allowed; null when the login may only append
     */
    private static String checkLogin(Settings settings, DataSource database) {
        LedgerLogin login;
        try {
            login = LedgerLogin.inspect(database);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read what the DATABASE_URL login may do: " + ErrorLine.of(e), e);
        }
        if (!login.canRewriteLedger()) {
            return null;
        }
        if (!settings.allowPrivilegedLogin()) {
            throw new ConfigException("DATABASE_URL", login.describe() + ", so it could rewrite the ledger: serve needs a login"
                    + " that may only INSERT and SELECT (a member of octo_sts_runtime), with migrations run as"
                    + " DATABASE_MIGRATION_URL (LEDGER_ALLOW_PRIVILEGED_LOGIN=true accepts the risk)");
        }
        String warning = "the DATABASE_URL " + login.describe() + ", so whoever holds its credentials could rewrite the"
                + " ledger (allowed by LEDGER_ALLOW_PRIVILEGED_LOGIN=true)";
        LOG.log(System.Logger.Level.WARNING, warning);
        return warning;
    }

    private static CompiledTrustPolicy loadAuditReaders(Settings settings) {
        if (settings.auditReadersPolicyFile() == null) {
            return null;
        }
        CompiledTrustPolicy policy;
        try {
            String yaml = Files.readString(settings.auditReadersPolicyFile());
            policy = CompiledTrustPolicy.compile(PolicyParser.parseTrustPolicy(yaml, false));
        } catch (IOException e) {
            throw new ConfigException("AUDIT_READERS_POLICY_FILE", "cannot be read");
        } catch (PolicyException e) {
            throw new ConfigException("AUDIT_READERS_POLICY_FILE", "is not a valid trust policy: " + e.getMessage());
        }
        String unsuitable = AuditReaders.unsuitablePolicy(policy, settings.auditReadersAudience(), settings.domain());
        if (unsuitable != null) {
            throw new ConfigException("AUDIT_READERS_POLICY_FILE", unsuitable);
        }
        return policy;
    }

    private static HikariDataSource runtimePool(String jdbcUrl) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("octo-sts-ledger");
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(DATABASE_POOL_SIZE);
        // The ledger writes each batch as one multi-row INSERT.
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.setMinimumIdle(1);
        // Fail fast while the database is away, so callers get 503 instead of waiting.
        config.setConnectionTimeout(2_000);
        config.setValidationTimeout(1_000);
        config.setInitializationFailTimeout(10_000);
        return new HikariDataSource(config);
    }

    private static SigningKey loadLedgerKey(Settings settings, Pkcs11Token token) {
        if (settings.ledgerKeyAlias() != null) {
            return token.key(settings.ledgerKeyAlias(), "LEDGER_KEY_ALIAS");
        }
        try {
            return PemKeys.fromFile(settings.ledgerSigningKeyFile());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("LEDGER_SIGNING_KEY_FILE", e.getMessage());
        }
    }

    private static SigningKey loadKey(AppKeySource source, Pkcs11Token token) {
        try {
            return switch (source) {
                case AppKeySource.PemFile file -> PemKeys.fromFile(file.path());
                case AppKeySource.PemEnvironmentVariable variable ->
                        PemKeys.fromPem(variable.pem(), "PEM in environment variable " + variable.name());
                case AppKeySource.Pkcs11Alias alias -> token.key(alias.alias(), alias.variable());
            };
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source.variable(), e.getMessage());
        }
    }

    public Settings settings() {
        return parts.settings();
    }

    public StsServer server() {
        return parts.server();
    }

    public AdminServer admin() {
        return parts.admin();
    }

    /** Latency and failures of signatures on the PKCS#11 token; empty when every key is a PEM file. */
    public Optional<SigningStats> tokenSigningStats() {
        return Optional.ofNullable(parts.tokenSigning());
    }


    /** Stops accepting requests, drains the ledger, writes the final checkpoint, then lets go of the rest. */
    @Override
    public void close() {
        closeAllBut(null);
    }

    /** Closes every part but {@code kept} (the telemetry that whoever started a failed start-up closes). */
    private void closeAllBut(AutoCloseable kept) {
        for (AutoCloseable part : parts.inClosingOrder()) {
            if (part == kept) {
                continue;
            }
            try {
                part.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "while stopping " + part.getClass().getSimpleName() + ": "
                        + ErrorLine.of(e));
            }
        }
    }
}
