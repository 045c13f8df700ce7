package dev.octosts.webhook;

import java.util.ArrayList;
import java.util.List;

/**
 * Which changed files the webhook validates (README rule 45): trust policies matching Go's
 * {@code filepath.Match(".github/chainguard/*.sts.yaml")} in any repository, and the org's issuer allowlist
 * and settings only in the org policy repository (repository names compared ignoring case, as GitHub does).
 */
public final class ValidatedPaths {
    static final String POLICY_DIRECTORY = ".github/chainguard";
    static final String ALLOWLIST_PATH = POLICY_DIRECTORY + "/trusted-token-issuers.yaml";
    static final String ORG_SETTINGS_PATH = POLICY_DIRECTORY + "/org-settings.yaml";
    private static final String POLICY_PREFIX = POLICY_DIRECTORY + "/";
    private static final String POLICY_SUFFIX = ".sts.yaml";

    private ValidatedPaths() {
    }

    public static boolean isValidated(String repo, String path, String orgPolicyRepo) {
        return isTrustPolicy(path) || ((isAllowlist(path) || isOrgSettings(path)) && isOrgPolicyRepo(repo, orgPolicyRepo));
    }

    /** The validated files of {@code files}, in their order (duplicates kept). */
    public static List<String> filter(String repo, List<String> files, String orgPolicyRepo) {
        List<String> kept = new ArrayList<>();
        for (String file : files) {
            if (isValidated(repo, file, orgPolicyRepo)) {
                kept.add(file);
            }
        }
        return kept;
    }

    /**
     * A push's changed files as its payload lists them (rule 43): per commit, the added then the modified
     * paths; removed ones never (they do not exist at the head). Duplicates are kept.
     */
    public static List<String> fromPush(List<WebhookEvent.Commit> commits) {
        List<String> files = new ArrayList<>();
        for (WebhookEvent.Commit commit : commits) {
            files.addAll(commit.added());
            files.addAll(commit.modified());
        }
        return files;
    }

    /** {@code *} of filepath.Match: any run of characters without a separator, possibly empty. */
    static boolean isTrustPolicy(String path) {
        if (!path.startsWith(POLICY_PREFIX) || !path.endsWith(POLICY_SUFFIX)
                || path.length() < POLICY_PREFIX.length() + POLICY_SUFFIX.length()) {
            return false;
        }
        return path.substring(POLICY_PREFIX.length(), path.length() - POLICY_SUFFIX.length()).indexOf('/') < 0;
    }

    static boolean isAllowlist(String path) {
        return path.equals(ALLOWLIST_PATH);
    }

    static boolean isOrgSettings(String path) {
        return path.equals(ORG_SETTINGS_PATH);
    }

    static boolean isOrgPolicyRepo(String repo, String orgPolicyRepo) {
        return repo.equalsIgnoreCase(orgPolicyRepo);
    }
}
