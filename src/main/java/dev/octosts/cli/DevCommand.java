package dev.octosts.cli;

import dev.octosts.config.ConfigException;
import dev.octosts.config.LogFormat;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.telemetry.LogOutput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code octo-sts dev}: the whole exchange on one machine, with no GitHub App and no cloud account —
 * a GitHub simulator seeded with an org, a repository and a trust policy, a local OIDC issuer, and
 * the service with its audit console ({@link Sandbox}), then a ready-to-paste {@code curl}.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Run a local sandbox: GitHub simulator, OIDC issuer and the service, with an example policy.",
        subcommands = DevTokenCommand.class)
final class DevCommand implements Callable<Integer> {
    static final String ORG = Sandbox.ORG;
    static final String REPO = Sandbox.REPO;
    static final String LIB = Sandbox.LIB;
    static final String DOMAIN = Sandbox.DOMAIN;
    /** Where a running sandbox says where its parts listen, for {@code dev token}. */
    static final String SANDBOX_FILE = "sandbox.json";

    @Option(names = "--port", defaultValue = "8080", description = "Port of the service (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--admin-port", defaultValue = "9090",
            description = "Port of the admin listener and its audit console (default: ${DEFAULT-VALUE}; 0: any free one).")
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
        Sandbox sandbox;
        try {
            sandbox = Sandbox.start(data, port, adminPort);
        } catch (ConfigException e) {
            // The sandbox sets PORT and ADMIN_PORT from its options: name those.
            System.err.println("octo-sts dev: " + e.getMessage().replaceFirst("^PORT:", "--port:")
                    .replaceFirst("^ADMIN_PORT:", "--admin-port:"));
            return 2;
        }
        LocalOidcIssuer issuer = sandbox.issuer;
        int admin = sandbox.adminPort();
        Files.writeString(data.resolve(SANDBOX_FILE), "{\"issuer\":\"" + issuer.issuer() + "\",\"service\":\"http://127.0.0.1:"
                + sandbox.port() + "\",\"admin\":\"http://127.0.0.1:" + admin + "\"}\n");
        String token = issuer.token().subject("repo:" + ORG + "/" + REPO + ":ref:refs/heads/main")
                .audience(DOMAIN).lifetime(Duration.ofHours(1)).mint();
        System.out.printf("""
                octo-sts dev sandbox is running.
                  service:          http://127.0.0.1:%d
                  audit console:    %s (sign in as %s)
                  GitHub simulator: %s (org %s, repository %s, policy .github/chainguard/ci.sts.yaml)
                  OIDC issuer:      %s
                  admin listener:   http://127.0.0.1:%d (ledger reads for audit readers, /observe/metrics)
                  example traffic:  %d exchange(s) issued, %d refused at start

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
                %n""", sandbox.port(), sandbox.console, Sandbox.AUDITOR, sandbox.github.baseUrl(), ORG, REPO,
                issuer.issuer(), admin, sandbox.traffic.issued(), sandbox.traffic.refused(), token, sandbox.port(), ORG, REPO,
                token, sandbox.port(), ORG, REPO, ORG, LIB,
                self(), data, ORG, REPO, data, sandbox.runtimeUrl, sandbox.ledgerKey, self(), self(),
                admin, Sandbox.AUDITOR, self(), data, Sandbox.AUDITOR, DOMAIN, admin, admin,
                DevOrgOnlyExample.banner(self(), data, sandbox.port()));

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sandbox.close();
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
}
