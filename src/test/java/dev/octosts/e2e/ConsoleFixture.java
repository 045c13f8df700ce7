package dev.octosts.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.InetAddress;
import java.util.Map;

/**
 * The service with its audit console configured against the local issuer, as the sandbox does: the
 * console's client registered there, {@code auditor@example.com} an audit reader, everyone else not, and
 * a few exchanges (one issued token, denials) in the ledger. Checkpoints every second, so records become
 * verifiable during a test.
 */
final class ConsoleFixture implements AutoCloseable {
    static final String READER = "auditor@example.com";
    static final String OUTSIDER = "outsider@example.com";
    static final String CLIENT_ID = "octo-sts-console";
    /** A subject that would be markup if the console did not escape it. */
    static final String MARKUP_SUBJECT = "repo:org/repo:ref:<script>alert(1)</script>";

    final Harness harness;
    final String issuedToken;
    final URI console;

    ConsoleFixture() {
        harness = new Harness();
        harness.installWithMainBranchPolicy("ci");
        int adminPort = freePort();
        console = URI.create("http://localhost:" + adminPort + "/console/");
        String redirect = console.resolve("callback").toString();
        harness.issuer.registerClient(CLIENT_ID, "console-secret", redirect);
        harness.env.put("ADMIN_PORT", Integer.toString(adminPort));
        harness.env.put("LEDGER_CHECKPOINT_SECONDS", "1");
        harness.env.put("AUDIT_READERS_POLICY_FILE", harness.write("audit-readers.yaml", """
                issuer: %s
                subject: %s
                """.formatted(harness.issuer.issuer(), READER)).toString());
        harness.env.put("CONSOLE_OIDC_ISSUER", harness.issuer.issuer());
        harness.env.put("CONSOLE_CLIENT_ID", CLIENT_ID);
        harness.env.put("CONSOLE_CLIENT_SECRET_FILE", harness.write("console-secret", "console-secret\n").toString());
        harness.env.put("CONSOLE_REDIRECT_URL", redirect);
        harness.start();
        Harness.Response allowed = harness.get(harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main",
                "aud", Harness.DOMAIN)), Map.of("scope", "org/repo", "identity", "ci"));
        if (allowed.status() != 200) {
            throw new IllegalStateException("the fixture's exchange was refused: " + allowed.raw().body());
        }
        issuedToken = allowed.body().path("token").asText();
        harness.get(harness.actionsToken(Map.of("sub", MARKUP_SUBJECT, "aud", Harness.DOMAIN)),
                Map.of("scope", "org/repo", "identity", "ci"));
        harness.get(null, Map.of("scope", "org/repo", "identity", "ci"));
    }

    String issuedTokenSha256() {
        return Harness.sha256Hex(issuedToken);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        harness.close();
    }
}
