package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code octo-sts policy check} on the rules that go beyond Octo STS: organization-level permissions, org settings. */
class PolicyCheckOrgRulesTest {
    @TempDir
    Path dir;

    @Test
    void aRepositoryPolicyGrantingAnOrganizationPermissionNamesItWithItsLine() throws IOException {
        Path file = Files.writeString(dir.resolve("admin.sts.yaml"),
                "issuer: https://a.example\nsubject: s\npermissions:\n  contents: read\n  organization_secrets: write\n");

        PolicyCommandRun asRepoPolicy = PolicyCommandRun.run("check", file.toString());

        assertThat(asRepoPolicy.out()).isEqualTo(file + ":5: trust policy: permission \"organization_secrets\" is"
                + " organization-level: only an org policy (in the org policy repository) may grant it" + System.lineSeparator()
                + file + ": hint: it is a valid org policy (in the org policy repository): check it with --org"
                + System.lineSeparator());
        assertThat(asRepoPolicy.exit()).isEqualTo(1);
        assertThat(PolicyCommandRun.run("check", "--org", file.toString()).out())
                .isEqualTo(file + ": ok" + System.lineSeparator());
    }

    @Test
    void aFileNamedOrgSettingsIsCheckedAsTheOrgSettings() throws IOException {
        Path valid = Files.writeString(Files.createDirectories(dir.resolve("a")).resolve("org-settings.yaml"),
                "repository_policies: disabled\n");
        Path invalid = Files.writeString(Files.createDirectories(dir.resolve("b")).resolve("org-settings.yaml"),
                "# org-only mode\nrepository_policies: no\n");

        PolicyCommandRun run = PolicyCommandRun.run("check", valid.toString(), invalid.toString());

        assertThat(run.lines()).containsExactly(valid + ": ok", invalid + ":2: parsing organization settings:"
                + " unknown repository_policies \"false\" (want \"enabled\" or \"disabled\")");
        assertThat(run.exit()).isEqualTo(1);
    }
}
