package dev.octosts.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The service's settings, read from environment variables (Octo STS's names where they exist) and
 * checked before anything starts: a bad value stops start-up with one line naming the variable.
 *
 * @param maxConnections   connections the public listener holds at once; more wait in the accept backlog,
 *                         so a flood of connections cannot take the memory the exchange needs
 * @param apps             the GitHub Apps, each with where its key comes from
 * @param pools            App IDs per org (lower-case), with {@code "*"} as the fallback pool
 * @param jwksOverridesFile JSON file of issuer → JWKS file or URL, for pinned keys without discovery
 *                         ({@code OIDC_JWKS_OVERRIDES}); null when unset. Read and checked by {@code oidc}.
 * @param privateNetworkHosts hosts whose OIDC discovery/JWKS may be fetched from private or loopback addresses
 * @param allowedIssuers   the only issuers whose tokens are verified at all, as written; checked against the
 *                         issuer rules by {@code oidc} at start-up
 * @param tlsCertFile      with {@code tlsKeyFile}, serve HTTPS; both null for plain HTTP
 * @param databaseUrl      the ledger database as the runtime role (INSERT and SELECT only)
 * @param migrationUrl     the ledger database as the role that owns the schema; null: the service does not migrate
 * @param migrate          apply migrations at start-up, as {@code migrationUrl} (never as {@code databaseUrl})
 * @param allowPrivilegedLogin start even when the {@code databaseUrl} login could rewrite the ledger (warning each checkpoint)
 * @param ledgerSigningKeyFile PEM key that signs ledger checkpoints (not the App key)
 * @param admin            the admin listener (ledger reads)
 * @param auditReadersPolicyFile trust policy that audit readers' tokens must match; null: no HTTP reads
 * @param auditReadersAudience the audience readers' tokens need when their policy names none; never
 *                         {@code domain}, so a token minted for the exchange cannot read the ledger (whether a
 *                         token can carry it is {@code oidc}'s rule, checked at start-up)
 * @param pkcs11           the PKCS#11 token holding App or ledger keys; null when every key is a PEM file
 * @param ledgerKeyAlias   alias of the ledger key on the PKCS#11 token; null: {@code ledgerSigningKeyFile}
 * @param webhook          the policy-validation webhook; null when {@code GITHUB_WEBHOOK_SECRET} is unset (not served)
 * @param rateLimits       budgets of {@code /sts/exchange} callers, in requests per second
 * @param exchangeDeadline how long one exchange may take, every outbound call included
 * @param trustedProxies   proxies whose {@code X-Forwarded-For} names the client address
 * @param ledgerAnchors    where signed heads of every chain are written outside the database after each checkpoint
 * @param replayProtection exchange an OIDC token at most once per scope and identity ({@code EXCHANGE_REPLAY_PROTECTION})
 * @param console          the audit console on the admin listener; null when its settings are absent (404)
 */
public record Settings(
        String bindAddress,
        int port,
        int maxConnections,
        String domain,
        List<App> apps,
        Map<String, List<Long>> pools,
        URI githubBaseUrl,
        String orgPolicyRepo,
        String databaseUrl,
        String migrationUrl,
        boolean migrate,
        boolean allowPrivilegedLogin,
        Path ledgerSigningKeyFile,
        Duration checkpointInterval,
        Path jwksOverridesFile,
        Set<String> privateNetworkHosts,
        AllowedIssuers allowedIssuers,
        Path tlsCertFile,
        Path tlsKeyFile,
        Admin admin,
        Path auditReadersPolicyFile,
        String auditReadersAudience,
        Pkcs11Settings pkcs11,
        String ledgerKeyAlias,
        Webhook webhook,
        RateLimits rateLimits,
        Duration exchangeDeadline,
        List<AddressRange> trustedProxies,
        LedgerAnchors ledgerAnchors,
        boolean replayProtection,
        ConsoleSettings console) {

    public static final String DEFAULT_GITHUB_BASE_URL = "https://api.github.com";
    public static final String DEFAULT_ORG_POLICY_REPO = ".github";
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?");
    private static final Pattern REPO_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    /**
     * The admin listener: where it binds, the connections it holds at once, its HTTPS PEM files (both null
     * for plain HTTP), and how many records one {@code /audit/verify} call may walk.
     */
    public record Admin(String host, int port, int maxConnections, Path tlsCertFile, Path tlsKeyFile,
                        int verifyMaxRecords) {
    }

    /**
     * The issuer allowlist as written: exact issuers ({@code OIDC_ALLOWED_ISSUERS}) and RE2 patterns
     * ({@code OIDC_ALLOWED_ISSUER_PATTERNS}); both empty: every issuer passes to discovery.
     */
    public record AllowedIssuers(Set<String> issuers, List<String> patterns) {
        public AllowedIssuers {
            issuers = Collections.unmodifiableSet(new LinkedHashSet<>(issuers));
            patterns = List.copyOf(patterns);
        }
    }

    /**
     * Stores outside the database for signed ledger heads.
     *
     * @param directory a directory that gets one file per head ({@code LEDGER_ANCHOR_DIR}); null for none
     * @param log       also emit each head as an OpenTelemetry log record ({@code LEDGER_ANCHOR_LOG})
     */
    public record LedgerAnchors(Path directory, boolean log) {
    }

    /** One GitHub App: its ID and where its private key comes from. */
    public record App(long appId, AppKeySource key) {
    }

    /**
     * The policy-validation webhook: its secrets (several while one is rotated) and the owners it serves.
     *
     * @param organizationFilter owners whose deliveries are processed (ignoring case); empty means all
     * @param unverifiedPerAddressPerMinute deliveries a client address may send per minute that are not signed
     *                                      ({@code WEBHOOK_UNVERIFIED_PER_ADDRESS_PER_MINUTE})
     */
    public record Webhook(List<String> secrets, List<String> organizationFilter, int unverifiedPerAddressPerMinute) {
        public Webhook {
            secrets = List.copyOf(secrets);
            organizationFilter = List.copyOf(organizationFilter);
        }

        /** Never prints a secret. */
        @Override
        public String toString() {
            return "Webhook[" + secrets.size() + " secret(s), organizationFilter=" + organizationFilter
                    + ", unverifiedPerAddressPerMinute=" + unverifiedPerAddressPerMinute + "]";
        }
    }

    /**
     * Sustained requests per second to {@code /sts/exchange} (bursts of twice as many); 0 turns a limit off.
     *
     * @param perAddress        each client address ({@code RATE_LIMIT_PER_ADDRESS})
     * @param perSubject        each verified caller, issuer and subject ({@code RATE_LIMIT_PER_SUBJECT})
     * @param perUnknownIssuer  each issuer that has not earned a token here ({@code RATE_LIMIT_PER_UNKNOWN_ISSUER})
     * @param allUnknownIssuers all of those together ({@code RATE_LIMIT_UNKNOWN_ISSUERS})
     * @param limitedRecords    ledger records of rate-limited requests ({@code RATE_LIMITED_RECORDS})
     * @param scopeMissesPerMinute scopes leading nowhere per verified caller and minute
     *                          ({@code RATE_LIMIT_SCOPE_MISSES_PER_MINUTE})
     * @param refusalsPerAddress refusals per second one client address gets answered at once, in bursts of twice
     *                          as many; past them its answers are held ({@code RATE_LIMIT_REFUSALS_PER_ADDRESS})
     * @param strangersAtOnce   requests of callers without a token allowed lately worked on at once
     *                          ({@code STRANGERS_AT_ONCE}; 0: no limit)
     * @param hold              how long the answer to a request refused for its rate or size is held
     *                          ({@code RATE_LIMIT_HOLD_MILLIS}; zero: answered at once)
     * @param maxHeld           answers held at once at most ({@code RATE_LIMIT_MAX_HELD})
     */
    public record RateLimits(long perAddress, long perSubject, long perUnknownIssuer, long allUnknownIssuers,
                             long limitedRecords, long scopeMissesPerMinute, long refusalsPerAddress, int strangersAtOnce,
                             Duration hold, int maxHeld) {
        static RateLimits read(EnvironmentReader reader) {
            return new RateLimits(reader.rate("RATE_LIMIT_PER_ADDRESS", 50), reader.rate("RATE_LIMIT_PER_SUBJECT", 50),
                    reader.rate("RATE_LIMIT_PER_UNKNOWN_ISSUER", 5), reader.rate("RATE_LIMIT_UNKNOWN_ISSUERS", 50),
                    reader.rate("RATE_LIMITED_RECORDS", 100), reader.rate("RATE_LIMIT_SCOPE_MISSES_PER_MINUTE", 60),
                    reader.rate("RATE_LIMIT_REFUSALS_PER_ADDRESS", 5),
                    reader.boundedInt("STRANGERS_AT_ONCE", Runtime.getRuntime().availableProcessors(), 0, 10_000),
                    Duration.ofMillis(reader.boundedInt("RATE_LIMIT_HOLD_MILLIS", 1000, 0, 10_000)),
                    reader.boundedInt("RATE_LIMIT_MAX_HELD", 1024, 1, 100_000));
        }
    }

    /** Reads and checks every setting from the given environment. */
    public static Settings fromEnvironment(Map<String, String> env) {
        EnvironmentReader reader = new EnvironmentReader(env);
        String bindAddress = reader.ipAddress("BIND_ADDRESS", "0.0.0.0");
        int port = reader.port("PORT", 8080);
        int maxConnections = reader.positiveInt("MAX_CONNECTIONS", 2048);
        String domain = reader.required("STS_DOMAIN");
        if (!DOMAIN.matcher(domain).matches()) {
            throw new ConfigException("STS_DOMAIN", "must be a host name such as sts.example.com (got " + EnvironmentReader.quoted(domain) + ")");
        }
        List<App> apps = reader.apps();
        Map<String, List<Long>> pools = reader.pools(apps);
        URI githubBaseUrl = reader.githubBaseUrl();
        String orgPolicyRepo = reader.optional("ORG_POLICY_REPO", DEFAULT_ORG_POLICY_REPO);
        if (!REPO_NAME.matcher(orgPolicyRepo).matches()) {
            throw new ConfigException("ORG_POLICY_REPO", "must be a repository name (got " + EnvironmentReader.quoted(orgPolicyRepo) + ")");
        }
        String databaseUrl = reader.jdbcUrl("DATABASE_URL", reader.required("DATABASE_URL"));
        String migrationUrl = reader.optional("DATABASE_MIGRATION_URL", null);
        if (migrationUrl != null) {
            reader.jdbcUrl("DATABASE_MIGRATION_URL", migrationUrl);
        }
        boolean migrate = reader.bool("DATABASE_MIGRATE", migrationUrl != null);
        if (migrate && migrationUrl == null) {
            throw new ConfigException("DATABASE_MIGRATE", "is true, but DATABASE_MIGRATION_URL (the schema owner's login) is not set;"
                    + " the service never migrates as DATABASE_URL");
        }
        boolean allowPrivilegedLogin = reader.bool("LEDGER_ALLOW_PRIVILEGED_LOGIN", false);
        Path ledgerKey = reader.readableFile("LEDGER_SIGNING_KEY_FILE");
        String ledgerKeyAlias = reader.optional("LEDGER_KEY_ALIAS", null);
        if (ledgerKey == null && ledgerKeyAlias == null) {
            throw new ConfigException("LEDGER_SIGNING_KEY_FILE", "is required (PEM private key that signs ledger checkpoints),"
                    + " unless LEDGER_KEY_ALIAS names the key on the PKCS#11 token");
        }
        if (ledgerKey != null && ledgerKeyAlias != null) {
            throw new ConfigException("LEDGER_KEY_ALIAS", "set either LEDGER_KEY_ALIAS (key on the PKCS#11 token) or"
                    + " LEDGER_SIGNING_KEY_FILE (PEM key), not both");
        }
        // PKCS#11 settings are read only when some key lives on a token.
        String tokenUser = ledgerKeyAlias != null ? "LEDGER_KEY_ALIAS"
                : apps.stream().anyMatch(app -> app.key() instanceof AppKeySource.Pkcs11Alias) ? "GITHUB_APP_KEY_ALIAS" : null;
        Pkcs11Settings pkcs11 = tokenUser == null ? null
                : Pkcs11Settings.fromEnvironment(env, tokenUser);
        Duration checkpointInterval = Duration.ofSeconds(reader.positiveInt("LEDGER_CHECKPOINT_SECONDS", 60));
        String overrides = reader.optional("OIDC_JWKS_OVERRIDES", null);
        Set<String> privateHosts = new LinkedHashSet<>(reader.list("OIDC_PRIVATE_NETWORK_HOSTS"));
        AllowedIssuers allowedIssuers = new AllowedIssuers(new LinkedHashSet<>(reader.list("OIDC_ALLOWED_ISSUERS")),
                EnvironmentReader.patterns(reader.optional("OIDC_ALLOWED_ISSUER_PATTERNS", "")));
        EnvironmentReader.TlsFiles tls = reader.tlsFiles("TLS_CERT_FILE", "TLS_KEY_FILE");
        EnvironmentReader.TlsFiles adminTls = reader.tlsFiles("ADMIN_TLS_CERT_FILE", "ADMIN_TLS_KEY_FILE");
        Admin admin = new Admin(reader.ipAddress("ADMIN_HOST", "127.0.0.1"), reader.port("ADMIN_PORT", 9090),
                reader.positiveInt("ADMIN_MAX_CONNECTIONS", 64), adminTls.cert(), adminTls.key(),
                reader.positiveInt("ADMIN_VERIFY_MAX_RECORDS", 50_000));
        Path auditReaders = reader.readableFile("AUDIT_READERS_POLICY_FILE");
        String readersAudience = auditReadersAudience(reader, domain);
        ConsoleSettings console = ConsoleSettings.fromEnvironment(env);
        if (console != null && auditReaders == null) {
            throw new ConfigException("CONSOLE_OIDC_ISSUER", "needs AUDIT_READERS_POLICY_FILE: the console signs in only"
                    + " those whose ID token matches the audit readers' policy");
        }
        return new Settings(bindAddress, port, maxConnections, domain, apps, pools, githubBaseUrl, orgPolicyRepo, databaseUrl,
                migrationUrl, migrate, allowPrivilegedLogin, ledgerKey, checkpointInterval, overrides == null ? null : Path.of(overrides),
                Set.copyOf(privateHosts), allowedIssuers,
                tls.cert(), tls.key(), admin, auditReaders, readersAudience, pkcs11, ledgerKeyAlias, webhook(reader),
                RateLimits.read(reader), Duration.ofSeconds(reader.positiveInt("EXCHANGE_DEADLINE_SECONDS", 20)),
                reader.addressRanges("TRUSTED_PROXIES"),
                ledgerAnchors(reader), reader.bool("EXCHANGE_REPLAY_PROTECTION", false), console);
    }

    private static LedgerAnchors ledgerAnchors(EnvironmentReader reader) {
        boolean log = reader.bool("LEDGER_ANCHOR_LOG", false);
        String logsExporter = reader.optional("OTEL_LOGS_EXPORTER", "none").strip();
        if (log && (logsExporter.isEmpty() || logsExporter.equalsIgnoreCase("none"))) {
            throw new ConfigException("LEDGER_ANCHOR_LOG", "is true, but OTEL_LOGS_EXPORTER is not set (or none), so the"
                    + " ledger heads would be dropped: set OTEL_LOGS_EXPORTER=otlp and its endpoint");
        }
        return new LedgerAnchors(reader.writableDirectory("LEDGER_ANCHOR_DIR"), log);
    }

    /** Readers' tokens must be minted for the ledger: one minted for the exchange is handed to too many places. */
    private static String auditReadersAudience(EnvironmentReader reader, String domain) {
        String audience = reader.optional("AUDIT_READERS_AUDIENCE", domain + "/audit");
        if (audience.equals(domain)) {
            throw new ConfigException("AUDIT_READERS_AUDIENCE", "must differ from STS_DOMAIN (" + EnvironmentReader.quoted(domain)
                    + "), the exchange's audience, so that a token minted for the exchange cannot read the ledger");
        }
        return audience;
    }

    private static Webhook webhook(EnvironmentReader reader) {
        List<String> secrets = reader.list("GITHUB_WEBHOOK_SECRET");
        List<String> organizations = reader.list("GITHUB_WEBHOOK_ORGANIZATION_FILTER");
        if (secrets.isEmpty()) {
            if (!organizations.isEmpty()) {
                throw new ConfigException("GITHUB_WEBHOOK_ORGANIZATION_FILTER", "needs GITHUB_WEBHOOK_SECRET (the webhook is off without it)");
            }
            return null;
        }
        return new Webhook(secrets, organizations, reader.positiveInt("WEBHOOK_UNVERIFIED_PER_ADDRESS_PER_MINUTE", 60));
    }
}
