package dev.octosts.policy;

import java.util.List;

/**
 * The permission names a trust policy may request: the fields of go-github v88's
 * {@code InstallationPermissions} (Octo STS's {@code octosts.TrustPolicy.json}). Any other name is an
 * unknown field. Values are not checked here; GitHub refuses a bad one when the token is minted.
 */
public final class InstallationPermissions {
    /** All 75 names, sorted. */
    public static final List<String> NAMES = List.of(
            "actions",
            "actions_variables",
            "administration",
            "attestations",
            "blocking",
            "checks",
            "codespaces",
            "codespaces_lifecycle_admin",
            "codespaces_metadata",
            "codespaces_secrets",
            "codespaces_user_secrets",
            "content_references",
            "contents",
            "copilot_messages",
            "dependabot_secrets",
            "deployments",
            "discussions",
            "emails",
            "environments",
            "followers",
            "gists",
            "git_signing_ssh_public_keys",
            "gpg_keys",
            "interaction_limits",
            "issues",
            "keys",
            "members",
            "merge_queues",
            "metadata",
            "organization_actions_variables",
            "organization_administration",
            "organization_announcement_banners",
            "organization_api_insights",
            "organization_codespaces",
            "organization_codespaces_secrets",
            "organization_codespaces_settings",
            "organization_copilot_metrics",
            "organization_copilot_seat_management",
            "organization_custom_org_roles",
            "organization_custom_properties",
            "organization_custom_roles",
            "organization_dependabot_secrets",
            "organization_events",
            "organization_hooks",
            "organization_knowledge_bases",
            "organization_packages",
            "organization_personal_access_token_requests",
            "organization_personal_access_tokens",
            "organization_plan",
            "organization_pre_receive_hooks",
            "organization_projects",
            "organization_secrets",
            "organization_self_hosted_runners",
            "organization_user_blocking",
            "packages",
            "pages",
            "plan",
            "profile",
            "pull_requests",
            "repository_advisories",
            "repository_custom_properties",
            "repository_hooks",
            "repository_pre_receive_hooks",
            "repository_projects",
            "secret_scanning_alerts",
            "secrets",
            "security_events",
            "single_file",
            "starring",
            "statuses",
            "team_discussions",
            "user_events",
            "vulnerability_alerts",
            "watching",
            "workflows"
    );

    /**
     * Whether a permission acts on the organization rather than on repositories ({@code members},
     * {@code organization_*}): only an org policy may grant one (a deliberate deviation from Octo STS, SECURITY.md).
     */
    public static boolean isOrganizationLevel(String name) {
        return name.equals("members") || name.startsWith("organization_");
    }

    private InstallationPermissions() {
    }
}
