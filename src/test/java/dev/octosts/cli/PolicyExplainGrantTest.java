package dev.octosts.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code policy explain --scopes} and {@code --permissions}: the grant the exchange would make, or its refusal. */
class PolicyExplainGrantTest {
    private static final String POLICY = """
            issuer: https://token.actions.githubusercontent.com
            subject: repo:org/tool:ref:refs/heads/main
            permissions:
            """;

    @TempDir
    Path dir;
    Path claims;
    Path a;
    Path b;
    Path actionsOnly;
    Path otherSubject;

    @BeforeEach
    void write() throws IOException {
        claims = Files.writeString(dir.resolve("claims.json"), "{\"iss\":\"https://token.actions.githubusercontent.com\","
                + "\"sub\":\"repo:org/tool:ref:refs/heads/main\",\"aud\":\"sts.test\"}");
        a = Files.writeString(dir.resolve("a.sts.yaml"), POLICY + "  contents: write\n  issues: write\n");
        b = Files.writeString(dir.resolve("b.sts.yaml"), POLICY + "  contents: read\n  issues: write\n  statuses: read\n");
        actionsOnly = Files.writeString(dir.resolve("e.sts.yaml"), POLICY + "  actions: read\n");
        otherSubject = Files.writeString(dir.resolve("c.sts.yaml"),
                POLICY.replace("org/tool", "org/other") + "  contents: read\n");
    }

    private PolicyCommandRun explain(String... more) {
        String[] args = new String[more.length + 5];
        args[0] = "explain";
        args[1] = "--claims";
        args[2] = claims.toString();
        args[3] = "--domain";
        args[4] = "sts.test";
        System.arraycopy(more, 0, args, 5, more.length);
        return PolicyCommandRun.run(args);
    }

    @Test
    void severalRepositoriesGetTheLowestLevelEveryPolicyGrants() {
        PolicyCommandRun run = explain("--scopes", "org/a,org/b", "--policy", a.toString(), "--policy", b.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("scope: org/a", "scope: org/b", "token for org/a, org/b:");
        List<String> lines = run.out().lines().toList();
        int section = lines.indexOf("permissions every policy grants (lowest level):");
        assertThat(section).as(run.out()).isNotNegative();
        List<String> granted = lines.subList(section + 1, lines.size()).stream()
                .takeWhile(line -> line.startsWith("  ")).toList();
        assertThat(granted).as("statuses: read is b's alone").containsExactly("  contents: read", "  issues: write");
    }

    @Test
    void policiesWithNothingInCommonAreRefused() {
        PolicyCommandRun run = explain("--scopes", "org/a,org/e", "--policy", a.toString(), "--policy",
                actionsOnly.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("grant no permission in common");
    }

    @Test
    void theFirstPolicyThatRefusesEndsIt() {
        PolicyCommandRun run = explain("--scopes", "org/c,org/a", "--policy", otherSubject.toString(), "--policy",
                a.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("scope: org/c").doesNotContain("scope: org/a");
    }

    @Test
    void requestedPermissionsAreGrantedExactlyOrRefused() {
        PolicyCommandRun allowed = explain("--policy", a.toString(), "--permissions", "contents:read");
        PolicyCommandRun refused = explain("--scopes", "org/a,org/b", "--policy", a.toString(), "--policy", b.toString(),
                "--permissions", "contents:write");

        assertThat(allowed.exit()).as(allowed.err()).isZero();
        assertThat(allowed.out()).contains("verdict: allow, the token gets exactly the permissions requested");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.out()).contains(
                "verdict: deny (PermissionDenied): requested permission contents:write is more than the trust policy grants");
    }

    @Test
    void optionsTheExchangeWouldRefuseAreUsageErrors() {
        assertThat(explain("--policy", a.toString(), "--policy", b.toString()).exit()).isEqualTo(2);
        assertThat(explain("--scopes", "org/a,other/b", "--policy", a.toString(), "--policy", b.toString()).exit())
                .isEqualTo(2);
        assertThat(explain("--scopes", "org/a", "--policy", a.toString(), "--policy", b.toString()).exit()).isEqualTo(2);
        assertThat(explain("--policy", a.toString(), "--permissions", "contents").exit()).isEqualTo(2);
    }
}
