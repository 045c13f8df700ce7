package dev.octosts.config;

import dev.octosts.oidc.IssuerAllowlist;
import dev.octosts.oidc.OidcFields;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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
 * @param jwksOverrides    issuer → JWKS file or URL, for pinned keys without discovery
 * @param privateNetworkHosts hosts whose OIDC discovery/JWKS may be fetched from private or loopback addresses
 * @param allowedIssuers   the only issuers whose tokens are verified at all ({@code OIDC_ALLOWED_ISSUERS},
 *                         {@code OIDC_ALLOWED_ISSUER_PATTERNS}); {@link IssuerAllowlist#ANY} when both are unset
 * @param tlsCertFile      with {@code tlsKeyFile}, serve HTTPS; both null for plain HTTP
 * @param databaseUrl      the ledger database as the runtime role (INSERT and SELECT only)
 * @param migrationUrl     the ledger database as the role that owns the schema; null: the service does not migrate
 * @param migrate          apply migrations at start-up, as {@code migrationUrl} (never as {@code databaseUrl})
 * @param allowPrivilegedLogin start even when the {@code databaseUrl} login could rewrite the ledger (warning each checkpoint)
 * @param ledgerSigningKeyFile PEM key that signs ledger checkpoints (not the App key)
 * @param admin            the admin listener (ledger reads)
 * @param auditReadersPolicyFile trust policy that audit readers' tokens must match; null: no HTTP reads
 * @param auditReadersAudience the audience readers' tokens need when their policy names none; never
 *                         {@code domain}, so a token minted for the exchange cannot read the ledger
 * @param pkcs11           the PKCS#11 token holding App or ledger keys; null when every key is a PEM file
 * @param ledgerKeyAlias   alias of the ledger key on the PKCS#11 token; null: {@code ledgerSigningKeyFile}
 * @param webhook          the policy-validation webhook; null when {@code GITHUB_WEBHOOK_SECRET} is unset (not served)
 * @param rateLimits       budgets of {@code /sts/exchange} callers, in requests per second
 * @param exchangeDeadline how long one exchange may take, every outbound call included
 * @param trustedProxies   proxies whose {@code X-Forwarded-For} names the client address
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
        Map<String, String> jwksOverrides,
        Set<String> privateNetworkHosts,
        IssuerAllowlist allowedIssuers,
        Path tlsCertFile,
        Path tlsKeyFile,
        Admin admin,
        Path auditReadersPolicyFile,
        String auditReadersAudience,
        dev.octosts.keys.Pkcs11Settings pkcs11,
        String ledgerKeyAlias,
        Webhook webhook,
        RateLimits rateLimits,
        Duration exchangeDeadline,
        List<AddressRange> trustedProxies) {

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
     */
    public record RateLimits(long perAddress, long perSubject, long perUnknownIssuer, long allUnknownIssuers,
                             long limitedRecords, long scopeMissesPerMinute) {
        static RateLimits read(Reader reader) {
            return new RateLimits(reader.rate("RATE_LIMIT_PER_ADDRESS", 50), reader.rate("RATE_LIMIT_PER_SUBJECT", 50),
                    reader.rate("RATE_LIMIT_PER_UNKNOWN_ISSUER", 5), reader.rate("RATE_LIMIT_UNKNOWN_ISSUERS", 50),
                    reader.rate("RATE_LIMITED_RECORDS", 100), reader.rate("RATE_LIMIT_SCOPE_MISSES_PER_MINUTE", 60));
        }
    }

    /** Reads and checks every setting from the given environment. */
    public static Settings fromEnvironment(Map<String, String> env) {
        Reader reader = new Reader(env);
        String bindAddress = reader.optional("BIND_ADDRESS", "0.0.0.0");
        int port = reader.port("PORT", 8080);
        int maxConnections = reader.positiveInt("MAX_CONNECTIONS", 2048);
        String domain = reader.required("STS_DOMAIN");
        if (!DOMAIN.matcher(domain).matches()) {
            throw new ConfigException("STS_DOMAIN", "must be a host name such as sts.example.com (got " + quoted(domain) + ")");
        }
        List<App> apps = reader.apps();
        Map<String, List<Long>> pools = reader.pools(apps);
        URI githubBaseUrl = reader.githubBaseUrl();
        String orgPolicyRepo = reader.optional("ORG_POLICY_REPO", DEFAULT_ORG_POLICY_REPO);
        if (!REPO_NAME.matcher(orgPolicyRepo).matches()) {
            throw new ConfigException("ORG_POLICY_REPO", "must be a repository name (got " + quoted(orgPolicyRepo) + ")");
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
        dev.octosts.keys.Pkcs11Settings pkcs11 = tokenUser == null ? null
                : dev.octosts.keys.Pkcs11Settings.fromEnvironment(env, tokenUser);
        Duration checkpointInterval = Duration.ofSeconds(reader.positiveInt("LEDGER_CHECKPOINT_SECONDS", 60));
        Map<String, String> overrides = reader.jwksOverrides();
        Set<String> privateHosts = new LinkedHashSet<>(reader.list("OIDC_PRIVATE_NETWORK_HOSTS"));
        IssuerAllowlist allowedIssuers = reader.issuerAllowlist();
        TlsFiles tls = reader.tlsFiles("TLS_CERT_FILE", "TLS_KEY_FILE");
        TlsFiles adminTls = reader.tlsFiles("ADMIN_TLS_CERT_FILE", "ADMIN_TLS_KEY_FILE");
        Admin admin = new Admin(reader.optional("ADMIN_HOST", "127.0.0.1"), reader.port("ADMIN_PORT", 9090),
                reader.positiveInt("ADMIN_MAX_CONNECTIONS", 64), adminTls.cert(), adminTls.key(),
                reader.positiveInt("ADMIN_VERIFY_MAX_RECORDS", 50_000));
        Path auditReaders = reader.readableFile("AUDIT_READERS_POLICY_FILE");
        String readersAudience = auditReadersAudience(reader, domain);
        return new Settings(bindAddress, port, maxConnections, domain, apps, pools, githubBaseUrl, orgPolicyRepo, databaseUrl,
                migrationUrl, migrate, allowPrivilegedLogin, ledgerKey, checkpointInterval, overrides, Set.copyOf(privateHosts), allowedIssuers,
                tls.cert(), tls.key(), admin, auditReaders, readersAudience, pkcs11, ledgerKeyAlias, webhook(reader),
                RateLimits.read(reader), Duration.ofSeconds(reader.positiveInt("EXCHANGE_DEADLINE_SECONDS", 20)),
                reader.addressRanges("TRUSTED_PROXIES"));
    }

    /** Readers' tokens must be minted for the ledger: one minted for the exchange is handed to too many places. */
    private static String auditReadersAudience(Reader reader, String domain) {
        String audience = reader.optional("AUDIT_READERS_AUDIENCE", domain + "/audit");
        if (audience.equals(domain)) {
            throw new ConfigException("AUDIT_READERS_AUDIENCE", "must differ from STS_DOMAIN (" + quoted(domain)
                    + "), the exchange's audience, so that a token minted for the exchange cannot read the ledger");
        }
        if (!dev.octosts.oidc.OidcFields.isValidAudience(audience)) {
            throw new ConfigException("AUDIT_READERS_AUDIENCE", "is not an audience a token can carry (got "
                    + quoted(audience) + ")");
        }
        return audience;
    }

    private static Webhook webhook(Reader reader) {
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

    private static String quoted(String value) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return "\"" + shown + "\"";
    }

    /** A PEM certificate chain and its key; both null for plain HTTP. */
    private record TlsFiles(Path cert, Path key) {
    }

    /** Reads variables, each failure naming its variable. */
    private record Reader(Map<String, String> env) {

        String optional(String name, String fallback) {
            String value = env.get(name);
            return value == null || value.isBlank() ? fallback : value.strip();
        }

        String required(String name) {
            String value = optional(name, null);
            if (value == null) {
                throw new ConfigException(name, "is required");
            }
            return value;
        }

        List<String> list(String name) {
            String value = optional(name, null);
            if (value == null) {
                return List.of();
            }
            return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }

        int port(String name, int fallback) {
            String value = optional(name, null);
            if (value == null) {
                return fallback;
            }
            try {
                int port = Integer.parseInt(value);
                if (port >= 0 && port <= 65535) {
                    return port;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new ConfigException(name, "must be a port number from 0 to 65535 (got " + quoted(value) + ")");
        }

        String jdbcUrl(String name, String value) {
            if (!value.startsWith("jdbc:postgresql:")) {
                throw new ConfigException(name, "must be a PostgreSQL JDBC URL starting with jdbc:postgresql:");
            }
            return value;
        }

        boolean bool(String name, boolean fallback) {
            String value = optional(name, null);
            if (value == null) {
                return fallback;
            }
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new ConfigException(name, "must be true or false (got " + quoted(value) + ")");
            };
        }

        int positiveInt(String name, int fallback) {
            String value = optional(name, null);
            if (value == null) {
                return fallback;
            }
            try {
                int number = Integer.parseInt(value);
                if (number > 0) {
                    return number;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new ConfigException(name, "must be a positive whole number (got " + quoted(value) + ")");
        }

        /** Requests per second: a whole number, 0 (no limit) up to a million. */
        long rate(String name, long fallback) {
            String value = optional(name, null);
            if (value == null) {
                return fallback;
            }
            try {
                long number = Long.parseLong(value);
                if (number >= 0 && number <= 1_000_000) {
                    return number;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new ConfigException(name, "must be requests per second, 0 (off) to 1000000 (got " + quoted(value) + ")");
        }

        List<AddressRange> addressRanges(String name) {
            List<AddressRange> ranges = new ArrayList<>();
            for (String entry : list(name)) {
                try {
                    ranges.add(AddressRange.parse(entry));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, "must be IP addresses or CIDR ranges (got " + quoted(entry) + ")");
                }
            }
            return List.copyOf(ranges);
        }

        /** A PEM certificate chain and key: both set or neither. */
        TlsFiles tlsFiles(String certName, String keyName) {
            Path cert = readableFile(certName);
            Path key = readableFile(keyName);
            if ((cert == null) != (key == null)) {
                throw new ConfigException(cert == null ? certName : keyName,
                        "must be set together with " + (cert == null ? keyName : certName));
            }
            return new TlsFiles(cert, key);
        }

        Path readableFile(String name) {
            String value = optional(name, null);
            if (value == null) {
                return null;
            }
            Path path = Path.of(value);
            if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                throw new ConfigException(name, "file " + value + " does not exist or cannot be read");
            }
            return path;
        }

        List<App> apps() {
            List<String> ids = list("GITHUB_APP_IDS");
            String idVariable = "GITHUB_APP_IDS";
            if (ids.isEmpty() && optional("GITHUB_APP_ID", null) != null) {
                ids = list("GITHUB_APP_ID");
                idVariable = "GITHUB_APP_ID";
            }
            if (ids.isEmpty()) {
                throw new ConfigException("GITHUB_APP_IDS", "is required (comma-separated GitHub App IDs)");
            }
            List<Long> appIds = new ArrayList<>();
            for (String id : ids) {
                try {
                    long appId = Long.parseLong(id);
                    if (appId > 0 && !appIds.contains(appId)) {
                        appIds.add(appId);
                        continue;
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
                throw new ConfigException(idVariable, "each App ID must be a distinct positive number (got " + quoted(id) + ")");
            }
            List<AppKeySource> keys = keys(appIds.size());
            List<App> apps = new ArrayList<>();
            for (int i = 0; i < appIds.size(); i++) {
                apps.add(new App(appIds.get(i), keys.get(i)));
            }
            return List.copyOf(apps);
        }

        private List<AppKeySource> keys(int count) {
            List<String> aliases = list("GITHUB_APP_KEY_ALIAS");
            if (!aliases.isEmpty()) {
                if (!list("APP_SECRET_CERTIFICATE_FILE").isEmpty() || !list("APP_SECRET_CERTIFICATE_ENV_VAR").isEmpty()) {
                    throw new ConfigException("GITHUB_APP_KEY_ALIAS", "set either GITHUB_APP_KEY_ALIAS (keys on the PKCS#11 token) "
                            + "or APP_SECRET_CERTIFICATE_FILE / APP_SECRET_CERTIFICATE_ENV_VAR (PEM keys), not both");
                }
                if (aliases.size() != count) {
                    throw new ConfigException("GITHUB_APP_KEY_ALIAS", "names " + aliases.size() + " key(s) for " + count
                            + " App ID(s); give one per App, in the order of GITHUB_APP_IDS");
                }
                return aliases.stream().<AppKeySource>map(AppKeySource.Pkcs11Alias::new).toList();
            }
            List<String> files = list("APP_SECRET_CERTIFICATE_FILE");
            List<String> variables = list("APP_SECRET_CERTIFICATE_ENV_VAR");
            if (files.isEmpty() == variables.isEmpty()) {
                throw new ConfigException("APP_SECRET_CERTIFICATE_FILE",
                        "set exactly one of APP_SECRET_CERTIFICATE_FILE or APP_SECRET_CERTIFICATE_ENV_VAR");
            }
            String variable = files.isEmpty() ? "APP_SECRET_CERTIFICATE_ENV_VAR" : "APP_SECRET_CERTIFICATE_FILE";
            List<String> entries = files.isEmpty() ? variables : files;
            if (entries.size() != count) {
                throw new ConfigException(variable, "names " + entries.size() + " key(s) for " + count
                        + " App ID(s); give one per App, in the order of GITHUB_APP_IDS");
            }
            List<AppKeySource> keys = new ArrayList<>();
            for (String entry : entries) {
                if (files.isEmpty()) {
                    String pem = env.get(entry);
                    if (pem == null || pem.isBlank()) {
                        throw new ConfigException(variable, "names variable " + entry + ", which is not set");
                    }
                    keys.add(new AppKeySource.PemEnvironmentVariable(entry, pem));
                } else {
                    Path path = Path.of(entry);
                    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                        throw new ConfigException(variable, "file " + entry + " does not exist or cannot be read");
                    }
                    keys.add(new AppKeySource.PemFile(path));
                }
            }
            return keys;
        }

        Map<String, List<Long>> pools(List<App> apps) {
            List<Long> allIds = apps.stream().map(App::appId).toList();
            String file = optional("APP_CONFIG_FILE", null);
            if (file == null) {
                return Map.of("*", allIds);
            }
            String text;
            try {
                text = Files.readString(Path.of(file));
            } catch (IOException | RuntimeException e) {
                throw new ConfigException("APP_CONFIG_FILE", "file " + file + " cannot be read");
            }
            Object root;
            try {
                LoaderOptions options = new LoaderOptions();
                options.setAllowDuplicateKeys(false);
                options.setMaxAliasesForCollections(10);
                root = new Yaml(new SafeConstructor(options)).load(text);
            } catch (RuntimeException e) {
                throw new ConfigException("APP_CONFIG_FILE", "is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (!(root instanceof Map<?, ?> top) || !(top.get("pools") instanceof Map<?, ?> declared)
                    || top.size() != 1) {
                throw new ConfigException("APP_CONFIG_FILE", "must hold one key, pools: a map of org name (or \"*\") to a list of App IDs");
            }
            Map<String, List<Long>> pools = new LinkedHashMap<>();
            for (Map.Entry<?, ?> pool : declared.entrySet()) {
                String org = String.valueOf(pool.getKey()).toLowerCase(Locale.ROOT);
                if (!(pool.getValue() instanceof List<?> members) || members.isEmpty()) {
                    throw new ConfigException("APP_CONFIG_FILE", "pool " + org + " must list at least one App ID");
                }
                List<Long> ids = new ArrayList<>();
                for (Object member : members) {
                    if (!(member instanceof Number number) || !allIds.contains(number.longValue())) {
                        throw new ConfigException("APP_CONFIG_FILE", "pool " + org + " names " + member
                                + ", which is not one of GITHUB_APP_IDS");
                    }
                    ids.add(number.longValue());
                }
                if (pools.put(org, List.copyOf(ids)) != null) {
                    throw new ConfigException("APP_CONFIG_FILE", "pool " + org + " is declared twice");
                }
            }
            return Map.copyOf(pools);
        }

        URI githubBaseUrl() {
            String value = optional("GITHUB_BASE_URL", DEFAULT_GITHUB_BASE_URL);
            try {
                URI uri = new URI(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
                String host = uri.getHost();
                boolean loopback = host != null && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
                if (host != null && uri.getUserInfo() == null && uri.getQuery() == null && uri.getFragment() == null
                        && ("https".equals(uri.getScheme()) || ("http".equals(uri.getScheme()) && loopback))) {
                    return uri;
                }
            } catch (URISyntaxException e) {
                // reported below
            }
            throw new ConfigException("GITHUB_BASE_URL", "must be an https URL such as https://github.example.com/api/v3 "
                    + "(http only on localhost) (got " + quoted(value) + ")");
        }

        IssuerAllowlist issuerAllowlist() {
            Set<String> issuers = new LinkedHashSet<>(list("OIDC_ALLOWED_ISSUERS"));
            for (String issuer : issuers) {
                if (!OidcFields.isValidIssuer(issuer)) {
                    throw new ConfigException("OIDC_ALLOWED_ISSUERS", quoted(issuer) + " is not a valid issuer"
                            + " (an https URL, http only on localhost, without query or fragment)");
                }
            }
            List<String> patterns = patterns(optional("OIDC_ALLOWED_ISSUER_PATTERNS", ""));
            try {
                return IssuerAllowlist.of(issuers, patterns);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("OIDC_ALLOWED_ISSUER_PATTERNS", e.getMessage());
            }
        }

        /**
         * Comma-separated patterns, where a comma inside {@code {m,n}} or a {@code [...]} class, or escaped as
         * {@code \,}, belongs to the pattern: {@code https://[a-z]{1,20}\.example\.com} is one pattern.
         */
        static List<String> patterns(String value) {
            List<String> patterns = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            int braces = 0;
            boolean inClass = false;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\\' && i + 1 < value.length()) {
                    current.append(c).append(value.charAt(++i));
                    continue;
                }
                if (c == ',' && braces == 0 && !inClass) {
                    patterns.add(current.toString());
                    current.setLength(0);
                    continue;
                }
                if (inClass) {
                    inClass = c != ']';
                } else if (c == '[') {
                    inClass = true;
                } else if (c == '{') {
                    braces++;
                } else if (c == '}' && braces > 0) {
                    braces--;
                }
                current.append(c);
            }
            patterns.add(current.toString());
            return patterns.stream().map(String::strip).filter(p -> !p.isEmpty()).toList();
        }

        Map<String, String> jwksOverrides() {
            String file = optional("OIDC_JWKS_OVERRIDES", null);
            if (file == null) {
                return Map.of();
            }
            try {
                return dev.octosts.oidc.OidcSettings.readOverridesFile(Path.of(file));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("OIDC_JWKS_OVERRIDES", e.getMessage());
            }
        }
    }
}
