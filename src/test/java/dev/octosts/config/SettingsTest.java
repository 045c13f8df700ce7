package dev.octosts.config;

import dev.octosts.testing.MinimalEnvironment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {
    @TempDir
    Path dir;
    private Map<String, String> env;

    @BeforeEach
    void minimalEnvironment() throws IOException {
        env = MinimalEnvironment.in(dir);
    }

    @Test
    void defaultsFollowOctoSts() {
        Settings settings = Settings.fromEnvironment(env);
        assertThat(settings.port()).isEqualTo(8080);
        assertThat(settings.maxConnections()).isEqualTo(2048);
        assertThat(settings.orgPolicyRepo()).isEqualTo(".github");
        assertThat(settings.githubBaseUrl()).hasToString("https://api.github.com");
        assertThat(settings.pools()).isEqualTo(Map.of("*", List.of(12L)));
        assertThat(settings.tlsCertFile()).isNull();
        assertThat(settings.migrationUrl()).as("never DATABASE_URL").isNull();
        assertThat(settings.migrate()).isFalse();
        assertThat(settings.allowPrivilegedLogin()).isFalse();
        assertThat(settings.replayProtection()).isFalse();
        assertThat(settings.checkpointInterval()).hasSeconds(60);
        assertThat(settings.admin()).isEqualTo(new Settings.Admin("127.0.0.1", 9090, 64, null, null, 50_000));
        assertThat(settings.auditReadersPolicyFile()).isNull();
        assertThat(settings.auditReadersAudience()).isEqualTo("sts.example.com/audit");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "STS_DOMAIN|''|STS_DOMAIN: is required",
            "STS_DOMAIN|https://sts.example.com|STS_DOMAIN: must be a host name",
            "PORT|eighty|PORT: must be a port number",
            "PORT|70000|PORT: must be a port number",
            "BIND_ADDRESS|not-an-ip|BIND_ADDRESS: must be an IP address",
            "BIND_ADDRESS|300.1.1.1|BIND_ADDRESS: must be an IP address",
            "BIND_ADDRESS|fe80::zz|BIND_ADDRESS: must be an IP address",
            "ADMIN_HOST|admin.internal|ADMIN_HOST: must be an IP address",
            "GITHUB_APP_IDS|''|GITHUB_APP_IDS: is required",
            "GITHUB_APP_IDS|12,abc|GITHUB_APP_IDS: each App ID must be a distinct positive number",
            "GITHUB_APP_IDS|12,13|APP_SECRET_CERTIFICATE_FILE: names 1 key(s) for 2 App ID(s)",
            "APP_SECRET_CERTIFICATE_FILE|/nonexistent/key.pem|APP_SECRET_CERTIFICATE_FILE: file /nonexistent/key.pem does not exist",
            "GITHUB_BASE_URL|http://github.example.com|GITHUB_BASE_URL: must be an https URL",
            "GITHUB_BASE_URL|https://user:pw@github.example.com|GITHUB_BASE_URL: must be an https URL",
            "ORG_POLICY_REPO|../etc|ORG_POLICY_REPO: must be a repository name",
            "DATABASE_URL|postgres://x|DATABASE_URL: must be a PostgreSQL JDBC URL",
            "DATABASE_URL|''|DATABASE_URL: is required",
            "DATABASE_MIGRATION_URL|mysql://x|DATABASE_MIGRATION_URL: must be a PostgreSQL JDBC URL",
            "DATABASE_MIGRATE|maybe|DATABASE_MIGRATE: must be true or false",
            "DATABASE_MIGRATE|true|DATABASE_MIGRATE: is true, but DATABASE_MIGRATION_URL (the schema owner's login) is not set",
            "LEDGER_ALLOW_PRIVILEGED_LOGIN|yes|LEDGER_ALLOW_PRIVILEGED_LOGIN: must be true or false",
            "EXCHANGE_REPLAY_PROTECTION|on|EXCHANGE_REPLAY_PROTECTION: must be true or false",
            "LEDGER_SIGNING_KEY_FILE|''|LEDGER_SIGNING_KEY_FILE: is required",
            "LEDGER_CHECKPOINT_SECONDS|0|LEDGER_CHECKPOINT_SECONDS: must be a positive whole number",
            "ADMIN_PORT|x|ADMIN_PORT: must be a port number",
            "ADMIN_MAX_CONNECTIONS|0|ADMIN_MAX_CONNECTIONS: must be a positive whole number",
            "ADMIN_VERIFY_MAX_RECORDS|-1|ADMIN_VERIFY_MAX_RECORDS: must be a positive whole number",
            "ADMIN_TLS_KEY_FILE|/nonexistent.pem|ADMIN_TLS_KEY_FILE: file /nonexistent.pem does not exist",
            "AUDIT_READERS_AUDIENCE|sts.example.com|AUDIT_READERS_AUDIENCE: must differ from STS_DOMAIN",
            "MAX_CONNECTIONS|0|MAX_CONNECTIONS: must be a positive whole number",
            "AUDIT_READERS_POLICY_FILE|/nonexistent.yaml|AUDIT_READERS_POLICY_FILE: file /nonexistent.yaml does not exist",
            "TLS_CERT_FILE|/nonexistent.pem|TLS_CERT_FILE: file /nonexistent.pem does not exist",
            "APP_CONFIG_FILE|/nonexistent.yaml|APP_CONFIG_FILE: file /nonexistent.yaml cannot be read",
            "RATE_LIMIT_PER_ADDRESS|fast|RATE_LIMIT_PER_ADDRESS: must be requests per second, 0 (off) to 1000000",
            "RATE_LIMIT_PER_SUBJECT|1000001|RATE_LIMIT_PER_SUBJECT: must be requests per second, 0 (off) to 1000000",
            "RATE_LIMIT_UNKNOWN_ISSUERS|-1|RATE_LIMIT_UNKNOWN_ISSUERS: must be requests per second, 0 (off) to 1000000",
            "RATE_LIMIT_HOLD_MILLIS|10001|RATE_LIMIT_HOLD_MILLIS: must be a whole number from 0 to 10000",
            "RATE_LIMIT_MAX_HELD|0|RATE_LIMIT_MAX_HELD: must be a whole number from 1 to 100000",
            "TRUSTED_PROXIES|10.0.0.0/8,proxy.internal|TRUSTED_PROXIES: must be IP addresses or CIDR ranges",
            "EXCHANGE_DEADLINE_SECONDS|soon|EXCHANGE_DEADLINE_SECONDS: must be a positive whole number",
            "LEDGER_CHECKPOINT_SECONDS|99999999999999999999|LEDGER_CHECKPOINT_SECONDS: must be a positive whole number",
            "GITHUB_BASE_URL|https://github example.com|GITHUB_BASE_URL: must be an https URL",
    })
    void aBadSettingIsOneLineNamingTheVariable(String variable, String value, String message) {
        env.put(variable, value);
        assertThatThrownBy(() -> Settings.fromEnvironment(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"0.0.0.0", "127.0.0.1", "::", "::1", "localhost"})
    void listeningAddressesAreIpLiterals(String address) {
        env.put("BIND_ADDRESS", address);
        env.put("ADMIN_HOST", address);
        Settings settings = Settings.fromEnvironment(env);
        assertThat(settings.bindAddress()).isEqualTo(address);
        assertThat(settings.admin().host()).isEqualTo(address);
    }

    @Test
    void issuerSettingsAreKeptAsWrittenForOidcToCheck() {
        assertThat(Settings.fromEnvironment(env).allowedIssuers()).isEqualTo(new Settings.AllowedIssuers(Set.of(), List.of()));
        assertThat(Settings.fromEnvironment(env).jwksOverridesFile()).isNull();
        env.put("OIDC_ALLOWED_ISSUERS", " https://token.actions.githubusercontent.com , https://accounts.google.com");
        env.put("OIDC_ALLOWED_ISSUER_PATTERNS",
                "https://[a-z0-9-]{1,63}\\.example\\.com,https://oidc\\.eks\\.[a-z0-9-]+\\.amazonaws\\.com/id/[A-Z0-9,]+");
        env.put("OIDC_JWKS_OVERRIDES", "/etc/octo-sts/overrides.json");

        Settings settings = Settings.fromEnvironment(env);

        assertThat(settings.allowedIssuers().issuers()).containsExactly("https://token.actions.githubusercontent.com",
                "https://accounts.google.com");
        assertThat(settings.allowedIssuers().patterns()).containsExactly("https://[a-z0-9-]{1,63}\\.example\\.com",
                "https://oidc\\.eks\\.[a-z0-9-]+\\.amazonaws\\.com/id/[A-Z0-9,]+");
        assertThat(settings.jwksOverridesFile()).isEqualTo(Path.of("/etc/octo-sts/overrides.json"));
    }

    @Test
    void aMigrationUrlMigratesAtStartUnlessTurnedOff() {
        env.put("DATABASE_MIGRATION_URL", "jdbc:postgresql://db/octosts?user=octosts_owner");
        Settings settings = Settings.fromEnvironment(env);
        assertThat(settings.migrationUrl()).isEqualTo("jdbc:postgresql://db/octosts?user=octosts_owner");
        assertThat(settings.migrate()).isTrue();
        env.put("DATABASE_MIGRATE", "false");
        assertThat(Settings.fromEnvironment(env).migrate()).isFalse();
    }

    @Test
    void tlsNeedsBothFiles() throws IOException {
        env.put("TLS_CERT_FILE", Files.writeString(dir.resolve("cert.pem"), "cert").toString());
        assertThatThrownBy(() -> Settings.fromEnvironment(env))
                .hasMessage("TLS_KEY_FILE: must be set together with TLS_CERT_FILE");
        env.remove("TLS_CERT_FILE");
        env.put("ADMIN_TLS_KEY_FILE", Files.writeString(dir.resolve("admin-key.pem"), "key").toString());
        assertThatThrownBy(() -> Settings.fromEnvironment(env))
                .hasMessage("ADMIN_TLS_CERT_FILE: must be set together with ADMIN_TLS_KEY_FILE");
    }

    @Test
    void keysMayComeFromEnvironmentVariables() {
        env.remove("APP_SECRET_CERTIFICATE_FILE");
        env.put("APP_SECRET_CERTIFICATE_ENV_VAR", "MY_APP_KEY");
        assertThatThrownBy(() -> Settings.fromEnvironment(env))
                .hasMessage("APP_SECRET_CERTIFICATE_ENV_VAR: names variable MY_APP_KEY, which is not set");
        env.put("MY_APP_KEY", "-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Settings.fromEnvironment(env).apps().getFirst().key())
                .isInstanceOf(AppKeySource.PemEnvironmentVariable.class)
                .hasToString("PemEnvironmentVariable[name=MY_APP_KEY]");
    }

    @Test
    void poolsRouteOrgsToApps() throws IOException {
        env.put("GITHUB_APP_IDS", "12,13");
        env.put("APP_SECRET_CERTIFICATE_FILE", env.get("APP_SECRET_CERTIFICATE_FILE") + "," + env.get("APP_SECRET_CERTIFICATE_FILE"));
        env.put("APP_CONFIG_FILE", Files.writeString(dir.resolve("apps.yaml"), "pools:\n  My-Org: [12]\n  '*': [12, 13]\n").toString());
        assertThat(Settings.fromEnvironment(env).pools()).isEqualTo(Map.of("my-org", List.of(12L), "*", List.of(12L, 13L)));

        Files.writeString(dir.resolve("apps.yaml"), "pools:\n  my-org: [99]\n");
        assertThatThrownBy(() -> Settings.fromEnvironment(env))
                .hasMessage("APP_CONFIG_FILE: pool my-org names 99, which is not one of GITHUB_APP_IDS");
    }

    // PKCS#11 key source

    @Test
    void keysMayLiveOnAPkcs11Token() throws IOException {
        env.remove("APP_SECRET_CERTIFICATE_FILE");
        env.remove("LEDGER_SIGNING_KEY_FILE");
        env.put("GITHUB_APP_KEY_ALIAS", "github-app");
        env.put("LEDGER_KEY_ALIAS", "ledger");
        env.put("PKCS11_CONFIG", Files.writeString(dir.resolve("pkcs11.cfg"), "library = /x.so").toString());
        env.put("PKCS11_PIN_FILE", Files.writeString(dir.resolve("pin"), "secret-pin\n").toString());
        Settings settings = Settings.fromEnvironment(env);
        assertThat(settings.apps().getFirst().key()).isEqualTo(new AppKeySource.Pkcs11Alias("github-app"));
        assertThat(settings.ledgerKeyAlias()).isEqualTo("ledger");
        assertThat(settings.ledgerSigningKeyFile()).isNull();
        assertThat(settings.pkcs11().configFile()).isEqualTo(dir.resolve("pkcs11.cfg"));
        assertThat(settings.pkcs11().pin()).isEqualTo("secret-pin");
        assertThat(settings.toString()).doesNotContain("secret-pin");
    }

    @Test
    void pemKeysNeedNoPkcs11Settings() {
        assertThat(Settings.fromEnvironment(env).pkcs11()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "alias and PEM file for the App|GITHUB_APP_KEY_ALIAS: set either GITHUB_APP_KEY_ALIAS",
            "alias and PEM file for the ledger|LEDGER_KEY_ALIAS: set either LEDGER_KEY_ALIAS",
            "alias without PKCS11_CONFIG|PKCS11_CONFIG: is required when GITHUB_APP_KEY_ALIAS is set",
            "missing PKCS11_CONFIG file|PKCS11_CONFIG: file /nonexistent.cfg does not exist",
            "no PIN|PKCS11_PIN: set exactly one of PKCS11_PIN or PKCS11_PIN_FILE",
            "PIN and PIN file|PKCS11_PIN: set exactly one of PKCS11_PIN or PKCS11_PIN_FILE",
            "empty PIN file|PKCS11_PIN_FILE: file",
            "two aliases for one App|GITHUB_APP_KEY_ALIAS: names 2 key(s) for 1 App ID(s)",
    })
    void badPkcs11SettingsAreOneLine(String situation, String message) throws IOException {
        Path config = Files.writeString(dir.resolve("pkcs11.cfg"), "library = /x.so");
        Path emptyPin = Files.writeString(dir.resolve("empty-pin"), "\n");
        env.put("PKCS11_CONFIG", config.toString());
        env.put("PKCS11_PIN", "1234");
        env.put("GITHUB_APP_KEY_ALIAS", "app");
        env.remove("APP_SECRET_CERTIFICATE_FILE");
        switch (situation) {
            case "alias and PEM file for the App" -> env.put("APP_SECRET_CERTIFICATE_FILE", dir.resolve("key.pem").toString());
            case "alias and PEM file for the ledger" -> env.put("LEDGER_KEY_ALIAS", "ledger");
            case "alias without PKCS11_CONFIG" -> env.remove("PKCS11_CONFIG");
            case "missing PKCS11_CONFIG file" -> env.put("PKCS11_CONFIG", "/nonexistent.cfg");
            case "no PIN" -> env.remove("PKCS11_PIN");
            case "PIN and PIN file" -> env.put("PKCS11_PIN_FILE", emptyPin.toString());
            case "empty PIN file" -> {
                env.remove("PKCS11_PIN");
                env.put("PKCS11_PIN_FILE", emptyPin.toString());
            }
            case "two aliases for one App" -> env.put("GITHUB_APP_KEY_ALIAS", "app,other");
            default -> throw new IllegalArgumentException(situation);
        }
        assertThatThrownBy(() -> Settings.fromEnvironment(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "1234"));
    }

    @Test
    void theWebhookIsOffWithoutASecretAndNeverPrintsOne() {
        assertThat(Settings.fromEnvironment(env).webhook()).isNull();
        env.put("GITHUB_WEBHOOK_SECRET", "s3cret-one, s3cret-two");
        env.put("GITHUB_WEBHOOK_ORGANIZATION_FILTER", "Acme,other");
        Settings.Webhook webhook = Settings.fromEnvironment(env).webhook();
        assertThat(webhook.secrets()).containsExactly("s3cret-one", "s3cret-two");
        assertThat(webhook.organizationFilter()).containsExactly("Acme", "other");
        assertThat(webhook.unverifiedPerAddressPerMinute()).isEqualTo(60);
        assertThat(Settings.fromEnvironment(env).toString()).doesNotContain("s3cret");
        env.put("WEBHOOK_UNVERIFIED_PER_ADDRESS_PER_MINUTE", "600");
        assertThat(Settings.fromEnvironment(env).webhook().unverifiedPerAddressPerMinute()).isEqualTo(600);
        env.put("WEBHOOK_UNVERIFIED_PER_ADDRESS_PER_MINUTE", "0");
        assertThatThrownBy(() -> Settings.fromEnvironment(env)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("WEBHOOK_UNVERIFIED_PER_ADDRESS_PER_MINUTE: must be a positive whole number");
        env.remove("WEBHOOK_UNVERIFIED_PER_ADDRESS_PER_MINUTE");
        env.remove("GITHUB_WEBHOOK_SECRET");
        assertThatThrownBy(() -> Settings.fromEnvironment(env)).hasMessageContaining("GITHUB_WEBHOOK_ORGANIZATION_FILTER");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not YAML|'pools: [12'|APP_CONFIG_FILE: is not valid YAML",
            "no pools key|'apps: [12]'|APP_CONFIG_FILE: must hold one key, pools: a map of org name",
            "pools not a map|'pools: [12]'|APP_CONFIG_FILE: must hold one key, pools: a map of org name",
            "an empty pool|'pools:\n  acme: []'|APP_CONFIG_FILE: pool acme must list at least one",
            "one org twice, in two cases|'pools:\n  Acme: [12]\n  acme: [12]'|APP_CONFIG_FILE: pool acme is declared twice",
    })
    void aBadPoolFileIsOneLine(String situation, String yaml, String message) throws IOException {
        env.put("APP_CONFIG_FILE", Files.writeString(dir.resolve("apps.yaml"), yaml.replace("\\n", "\n")).toString());
        assertThatThrownBy(() -> Settings.fromEnvironment(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void theSingularAppIdOfOctoStsStillWorks() {
        env.remove("GITHUB_APP_IDS");
        env.put("GITHUB_APP_ID", "12");
        assertThat(Settings.fromEnvironment(env).pools()).isEqualTo(Map.of("*", List.of(12L)));
    }
}
