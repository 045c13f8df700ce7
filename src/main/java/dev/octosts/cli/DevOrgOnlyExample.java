package dev.octosts.cli;

import dev.octosts.config.Settings;
import dev.octosts.dev.GitHubSimulator;

import java.nio.file.Path;
import java.util.Map;

/**
 * The sandbox's second organization, in org-only mode: its org settings disable repository policies, so
 * the repository's own policy is refused and only the org policy (in its org policy repository) grants.
 */
final class DevOrgOnlyExample {
    static final String ORG = "example-strict-org";
    private static final String ORG_POLICY_REPO = Settings.DEFAULT_ORG_POLICY_REPO;

    private DevOrgOnlyExample() {
    }

    /** Creates the org with {@link DevCommand#REPO} and its org policy repository, installs the App, writes the files. */
    static void seed(GitHubSimulator github, long appId, Map<String, String> permissions, String issuer) {
        github.createRepository(ORG, DevCommand.REPO);
        github.createRepository(ORG, ORG_POLICY_REPO);
        github.install(appId, ORG, permissions, null);
        github.putFile(ORG, ORG_POLICY_REPO, ".github/chainguard/org-settings.yaml", """
                # Org-only mode: only the org policies in this repository count.
                repository_policies: disabled
                """);
        github.putFile(ORG, DevCommand.REPO, ".github/chainguard/ci.sts.yaml",
                "# Never read: the org has disabled repository policies.\n" + policy(issuer, ""));
        github.putFile(ORG, ORG_POLICY_REPO, ".github/chainguard/ci.sts.yaml",
                "# The org policy for the repository's main branch.\n" + policy(issuer, "repositories: [" + DevCommand.REPO + "]\n"));
    }

    private static String policy(String issuer, String more) {
        return """
                issuer: %s
                subject: repo:%s/%s:ref:refs/heads/main
                audience: %s
                permissions:
                  contents: read
                """.formatted(issuer, ORG, DevCommand.REPO, DevCommand.DOMAIN) + more;
    }

    /** The banner's lines to try it: a token for the org's repository, then both scopes. */
    static String banner(String self, Path data, int port) {
        return """
                Org-only mode: org %1$s has repository_policies: disabled (.github/chainguard/org-settings.yaml
                in %1$s/%2$s). Its repository scope is refused; its org scope answers:

                T=$(%3$s dev token --data-dir %4$s --sub repo:%1$s/%5$s:ref:refs/heads/main)
                curl -s -H "Authorization: Bearer $T" 'http://127.0.0.1:%6$d/sts/exchange?scope=%1$s/%5$s&identity=ci'
                curl -s -H "Authorization: Bearer $T" 'http://127.0.0.1:%6$d/sts/exchange?scope=%1$s&identity=ci'

                """.formatted(ORG, ORG_POLICY_REPO, self, data, DevCommand.REPO, port);
    }
}
