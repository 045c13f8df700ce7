package dev.octosts.config;

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
 * @param tlsCertFile      with {@code tlsKeyFile}, serve HTTPS; both null for plain HTTP
 * @param databaseUrl      the ledger database as the runtime role (INSERT and SELECT only)
 * @param migrationUrl     the ledger database as the role that owns the schema
 * @param migrate          apply migrations at start-up
 * @param ledgerSigningKeyFile PEM key that signs ledger checkpoints (not the App key)
 * @param adminHost        where the admin listener (ledger reads) binds
 * @param auditReadersPolicyFile trust policy that audit readers' tokens must match; null: no HTTP reads
 * @param pkcs11           the PKCS#11 token holding App or ledger keys; null when every key is a PEM file
 * @param ledgerKeyAlias   alias of the ledger key on the PKCS#11 token; null: {@code ledgerSigningKeyFile}
 * @param webhook          the policy-validation webhook; null when {@code GITHUB_WEBHOOK_SECRET} is unset (not served)
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
        Path ledgerSigningKeyFile,
        Duration checkpointInterval,
        Map<String, String> jwksOverrides,
        Set<String> privateNetworkHosts,
        Path tlsCertFile,
        Path tlsKeyFile,
        String adminHost,
        int adminPort,
        Path auditReadersPolicyFile,
        dev.octosts.keys.Pkcs11Settings pkcs11,
        String ledgerKeyAlias,
        Webhook webhook) {

    public static final String DEFAULT_GITHUB_BASE_URL = "https://api.github.com";
    public static final String DEFAULT_ORG_POLICY_REPO = ".github";
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?");
    private static final Pattern REPO_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

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
        String migrationUrl = reader.jdbcUrl("DATABASE_MIGRATION_URL", reader.optional("DATABASE_MIGRATION_URL", databaseUrl));
        boolean migrate = reader.bool("DATABASE_MIGRATE", true);
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
        Path tlsCert = reader.readableFile("TLS_CERT_FILE");
        Path tlsKey = reader.readableFile("TLS_KEY_FILE");
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new ConfigException(tlsCert == null ? "TLS_CERT_FILE" : "TLS_KEY_FILE",
                    "must be set together with " + (tlsCert == null ? "TLS_KEY_FILE" : "TLS_CERT_FILE"));
        }
        String adminHost = reader.optional("ADMIN_HOST", "127.0.0.1");
        int adminPort = reader.port("ADMIN_PORT", 9090);
        Path auditReaders = reader.readableFile("AUDIT_READERS_POLICY_FILE");
        return new Settings(bindAddress, port, maxConnections, domain, apps, pools, githubBaseUrl, orgPolicyRepo, databaseUrl,
                migrationUrl, migrate, ledgerKey, checkpointInterval, overrides, Set.copyOf(privateHosts), tlsCert,
                tlsKey, adminHost, adminPort, auditReaders, pkcs11, ledgerKeyAlias, webhook(reader));
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
