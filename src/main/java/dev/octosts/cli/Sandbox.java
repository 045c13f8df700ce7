package dev.octosts.cli;

import dev.octosts.config.Settings;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.GitHubSimulator.SimulatedApp;
import dev.octosts.dev.LocalKeys;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.dev.LocalPostgres;
import dev.octosts.dev.SandboxTraffic;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The parts of {@code octo-sts dev}, started together and stopped together: PostgreSQL in the data
 * directory, the GitHub simulator seeded with an org, a repository and a trust policy, the local OIDC
 * issuer (also the audit console's sign-in), the service with its console, and the example traffic.
 */
final class Sandbox implements AutoCloseable {
    static final String ORG = "example-org";
    static final String REPO = "example-repo";
    /** A second repository, for one token covering both. */
    static final String LIB = "example-lib";
    static final String DOMAIN = "octo-sts.local";
    /** Who may read the ledger in the sandbox, in the console and with {@code /audit/*} tokens. */
    static final String AUDITOR = "auditor@example.com";
    static final String CONSOLE_CLIENT = "octo-sts-console";
    /** Settings a sandbox takes from its own environment, e.g. {@code EXCHANGE_REPLAY_PROTECTION=true octo-sts dev}. */
    static final List<String> OPT_INS = List.of("EXCHANGE_REPLAY_PROTECTION");

    final LocalPostgres postgres;
    final GitHubSimulator github;
    final LocalOidcIssuer issuer;
    final Application application;
    final Path data;
    final Path ledgerKey;
    final String runtimeUrl;
    final URI console;
    final SandboxTraffic.Counts traffic;

    private Sandbox(LocalPostgres postgres, GitHubSimulator github, LocalOidcIssuer issuer, Application application,
                    Path data, Path ledgerKey, String runtimeUrl, URI console, SandboxTraffic.Counts traffic) {
        this.postgres = postgres;
        this.github = github;
        this.issuer = issuer;
        this.application = application;
        this.data = data;
        this.ledgerKey = ledgerKey;
        this.runtimeUrl = runtimeUrl;
        this.console = console;
        this.traffic = traffic;
    }

    /**
     * @param port      the service's port (0: any free one)
     * @param adminPort the admin listener's port (0: a free one, chosen first, since the console's sign-in
     *                  redirect must name it)
     */
    static Sandbox start(Path data, int port, int adminPort) throws IOException {
        if (adminPort == 0) {
            try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                adminPort = free.getLocalPort();
            }
        }
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
        // The console signs people in at the local issuer; its page offers the auditor, who is an audit reader.
        URI console = URI.create("http://localhost:" + adminPort + "/console/");
        String consoleSecret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        issuer.registerClient(CONSOLE_CLIENT, consoleSecret, console.resolve("callback").toString());
        Path readers = Files.writeString(data.resolve("audit-readers.yaml"), """
                # Audit readers: the sandbox's auditor, signed in to the console or with a token for %s/audit.
                issuer: %s
                subject: %s
                """.formatted(DOMAIN, issuer.issuer(), AUDITOR));
        Map<String, String> env = new HashMap<>(Map.ofEntries(
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
                Map.entry("AUDIT_READERS_POLICY_FILE", readers.toString()),
                Map.entry("CONSOLE_OIDC_ISSUER", issuer.issuer()),
                Map.entry("CONSOLE_CLIENT_ID", CONSOLE_CLIENT),
                Map.entry("CONSOLE_CLIENT_SECRET", consoleSecret),
                Map.entry("CONSOLE_REDIRECT_URL", console.resolve("callback").toString()),
                // Checkpoints soon after the example traffic, so its records show as verified in the console.
                Map.entry("LEDGER_CHECKPOINT_SECONDS", "5")));
        // Opt-in behaviour to try in the sandbox, from the environment it was started in.
        for (String optIn : OPT_INS) {
            String value = System.getenv(optIn);
            if (value != null) {
                env.put(optIn, value);
            }
        }
        Application application;
        try {
            application = Application.start(Settings.fromEnvironment(env), Clock.systemUTC());
        } catch (RuntimeException e) {
            issuer.close();
            github.close();
            postgres.stop();
            throw e;
        }
        SandboxTraffic.Counts traffic = SandboxTraffic.send(URI.create("http://127.0.0.1:" + application.server().port()),
                issuer, ORG, REPO, DOMAIN);
        return new Sandbox(postgres, github, issuer, application, data, ledgerKey, runtimeUrl, console, traffic);
    }

    int port() {
        return application.server().port();
    }

    int adminPort() {
        return application.admin().port();
    }

    @Override
    public void close() {
        application.close();
        issuer.close();
        github.close();
        postgres.stop();
    }

    static Path writePrivate(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
