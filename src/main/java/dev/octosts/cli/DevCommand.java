package dev.octosts.cli;

import dev.octosts.config.ConfigException;
import dev.octosts.config.LogFormat;
import dev.octosts.config.Settings;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.telemetry.LogOutput;
import dev.octosts.dev.LocalKeys;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.dev.LocalPostgres;
import dev.octosts.dev.GitHubSimulator.SimulatedApp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code octo-sts dev}: the whole exchange on one machine, with no GitHub App and no cloud account —
 * a GitHub simulator seeded with an org, a repository and a trust policy, a local OIDC issuer, and
 * the service, then a ready-to-paste {@code curl}.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Run a local sandbox: GitHub simulator, OIDC issuer and the service, with an example policy.",
        subcommands = DevTokenCommand.class)
final class DevCommand implements Callable<Integer> {
    static final String ORG = "example-org";
    static final String REPO = "example-repo";
    /** A second repository, for one token covering both. */
    static final String LIB = "example-lib";
    static final String DOMAIN = "octo-sts.local";
    /** Where a running sandbox says where its parts listen, for {@code dev token}. */
    static final String SANDBOX_FILE = "sandbox.json";
    /** The subject whose tokens from the sandbox's issuer may read the ledger on the admin listener. */
    static final String AUDITOR = "auditor";

    @Option(names = "--port", defaultValue = "8080", description = "Port of the service (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--admin-port", defaultValue = "9090",
            description = "Port of the admin listener: ledger reads over HTTP, metrics (default: ${DEFAULT-VALUE}).")
    int adminPort;

    @Option(names = "--data-dir", scope = ScopeType.INHERIT, description = "Where the sandbox keeps its PostgreSQL data and ledger key "
            + "(default: target/octo-sts-dev in a source checkout, else ~/.cache/octo-sts/dev). Delete it to start afresh.")
    Path dataDir;

    Path dataDirectory() {
        return dataDir != null ? dataDir : defaultDataDir();
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        // The banner is what a user reads: library chatter off, warnings and errors still shown.
        LogOutput.configure(LogFormat.fromEnvironment(System.getenv()), true);
        Path data = dataDirectory();
        Files.createDirectories(data);
        LocalPostgres postgres = LocalPostgres.start(data.resolve("postgres"));
        // Two logins, as deployed: the service migrates as the schema owner and serves as a login that can only append.
        LocalPostgres.LedgerLogins database = postgres.ledgerDatabase();
        String runtimeUrl = database.runtimeUrl();
        Path ledgerKey = data.resolve("ledger-signing-key.pem");
        if (!Files.exists(ledgerKey)) {
            writePrivate(ledgerKey, LocalKeys.rsa2048().privateKeyPem());
        }

        GitHubSimulator github = GitHubSimulator.start();
        LocalOidcIssuer issuer = LocalOidcIssuer.start();
        SimulatedApp app = github.createApp();
        github.createRepository(ORG, REPO);
        github.createRepository(ORG, Settings.DEFAULT_ORG_POLICY_REPO);
        Map<String, String> permissions = Map.of("contents", "write", "issues", "write", "pull_requests", "write",
                "metadata", "read");
        github.install(app.appId(), ORG, permissions, null);
        github.putFile(ORG, REPO, ".github/chainguard/ci.sts.yaml", """
                # Trust GitHub Actions-style tokens from the local issuer for the main branch.
                issuer: %s
                subject: repo:%s/%s:ref:refs/heads/main
                audience: %s
                permissions:
                  contents: read
                  issues: write
                """.formatted(issuer.issuer(), ORG, REPO, DOMAIN));
        // The same workflow may also act on example-lib, with less: one token for both gets the lowest levels.
        github.createRepository(ORG, LIB);
        github.putFile(ORG, LIB, ".github/chainguard/ci.sts.yaml", """
                # example-repo's main branch may read example-lib and its issues.
                issuer: %s
                subject: repo:%s/%s:ref:refs/heads/main
                audience: %s
                permissions:
                  contents: read
                  issues: read
                """.formatted(issuer.issuer(), ORG, REPO, DOMAIN));
        // An org policy (scope example-org) listing both repositories: narrow it with repositories=...
        github.putFile(ORG, Settings.DEFAULT_ORG_POLICY_REPO, ".github/chainguard/ci.sts.yaml", """
                issuer: %s
                subject: repo:%s/%s:ref:refs/heads/main
                audience: %s
                permissions:
                  contents: read
                repositories:
                  - %s
                  - %s
                """.formatted(issuer.issuer(), ORG, REPO, DOMAIN, REPO, LIB));
        DevOrgOnlyExample.seed(github, app.appId(), permissions, issuer.issuer());

        Path key = writePrivate(data.resolve("github-app-key.pem"), app.privateKeyPem());
        // Audit readers: the sandbox's issuer, one subject, tokens minted for the ledger (audience <domain>/audit).
        Path readers = data.resolve("audit-readers.sts.yaml");
        Files.writeString(readers, "issuer: %s\nsubject: %s\n".formatted(issuer.issuer(), AUDITOR));
        Map<String, String> env = Map.ofEntries(
                Map.entry("DATABASE_URL", runtimeUrl),
                Map.entry("DATABASE_MIGRATION_URL", database.ownerUrl()),
                Map.entry("LEDGER_SIGNING_KEY_FILE", ledgerKey.toString()),
                Map.entry("BIND_ADDRESS", "127.0.0.1"),
                Map.entry("PORT", Integer.toString(port)),
                Map.entry("STS_DOMAIN", DOMAIN),
                Map.entry("GITHUB_APP_IDS", Long.toString(app.appId())),
                Map.entry("APP_SECRET_CERTIFICATE_FILE", key.toString()),
                Map.entry("GITHUB_BASE_URL", github.baseUrl().toString()),
                Map.entry("OIDC_PRIVATE_NETWORK_HOSTS", "127.0.0.1"),
                // Only the sandbox's own issuer: tokens from anywhere else are refused before any fetch.
                Map.entry("OIDC_ALLOWED_ISSUERS", issuer.issuer()),
                Map.entry("ADMIN_PORT", Integer.toString(adminPort)),
                Map.entry("AUDIT_READERS_POLICY_FILE", readers.toString()));
        Application application;
        try {
            application = Application.start(Settings.fromEnvironment(env), Clock.systemUTC());
        } catch (ConfigException e) {
            issuer.close();
            github.close();
            postgres.stop();
            // The sandbox sets PORT and ADMIN_PORT from its options: name those.
            System.err.println("octo-sts dev: " + e.getMessage().replaceFirst("^PORT:", "--port:")
                    .replaceFirst("^ADMIN_PORT:", "--admin-port:"));
            return 2;
        }
        int admin = application.admin().port();

        Files.writeString(data.resolve(SANDBOX_FILE), "{\"issuer\":\"" + issuer.issuer() + "\",\"service\":\"http://127.0.0.1:"
                + application.server().port() + "\",\"admin\":\"http://127.0.0.1:" + admin + "\"}\n");
        String token = issuer.token().subject("repo:" + ORG + "/" + REPO + ":ref:refs/heads/main")
                .audience(DOMAIN).lifetime(Duration.ofHours(1)).mint();
        System.out.printf("""
                octo-sts dev sandbox is running.
                  service:          http://127.0.0.1:%d
                  GitHub simulator: %s (org %s, repository %s, policy .github/chainguard/ci.sts.yaml)
                  OIDC issuer:      %s
                  admin listener:   http://127.0.0.1:%d (ledger reads for audit readers, /observe/metrics)

                Exchange a token (the OIDC token below is valid for one hour):

                curl -s -H 'Authorization: Bearer %s' \\
                  'http://127.0.0.1:%d/sts/exchange?scope=%s/%s&identity=ci'

                One token for two repositories (each one's policy must allow it; the lowest common permissions;
                add &permissions=contents:read to ask for less):

                curl -s -H 'Authorization: Bearer %s' \\
                  'http://127.0.0.1:%d/sts/exchange?scopes=%s/%s&scopes=%s/%s&identity=ci'

                More tokens, with the claims you choose:
                  %s dev token --data-dir %s --sub repo:%s/%s:ref:refs/heads/main

                Every exchange is recorded in the ledger (PostgreSQL in %s). Read and verify it with:

                export DATABASE_URL='%s' LEDGER_SIGNING_KEY_FILE='%s'
                %s audit query
                %s audit verify

                or over HTTP on the admin listener (http://127.0.0.1:%d), as an audit reader (subject %s of the
                sandbox's issuer, a token minted for the ledger):

                READER_TOKEN=$(%s dev token --data-dir %s --sub %s --aud %s/audit)
                curl -s -H "Authorization: Bearer $READER_TOKEN" 'http://127.0.0.1:%d/audit/records?since=24h'
                curl -s -H "Authorization: Bearer $READER_TOKEN" 'http://127.0.0.1:%d/audit/verify'

                %sPress Ctrl-C to stop.
                %n""", application.server().port(), github.baseUrl(), ORG, REPO, issuer.issuer(), admin, token,
                application.server().port(), ORG, REPO, token, application.server().port(), ORG, REPO, ORG, LIB,
                self(), data, ORG, REPO, data, runtimeUrl, ledgerKey, self(),
                self(), admin, AUDITOR, self(), data, AUDITOR, DOMAIN, admin, admin,
                DevOrgOnlyExample.banner(self(), data, application.server().port()));

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            application.close();
            issuer.close();
            github.close();
            postgres.stop();
            try {
                Files.deleteIfExists(data.resolve(SANDBOX_FILE));
            } catch (IOException e) {
                // the next start overwrites it
            }
            stopped.countDown();
        }, "octo-sts-dev-shutdown"));
        stopped.await();
        return 0;
    }

    /** How to run this very program again: the same Java and the same jar (the user's {@code java} may be older). */
    private static String self() {
        String java = ProcessHandle.current().info().command().orElse("java");
        try {
            Path jar = Path.of(DevCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (jar.toString().endsWith(".jar")) {
                Path shown = jar.startsWith(Path.of("").toAbsolutePath()) ? Path.of("").toAbsolutePath().relativize(jar) : jar;
                return java + " -jar " + shown;
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // fall through to the documented form
        }
        return java + " -jar target/octo-sts.jar";
    }

    private static Path defaultDataDir() {
        if (Files.isDirectory(Path.of("target"))) {
            return Path.of("target", "octo-sts-dev");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "octo-sts", "dev");
    }

    private static Path writePrivate(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
