package dev.octosts.exchange;

import dev.octosts.github.AppPool;
import dev.octosts.github.GitHubClient;
import dev.octosts.policy.OrgSettings;

import java.time.Clock;
import java.time.Duration;

/**
 * The org's settings ({@code <org policy repo>/.github/chainguard/org-settings.yaml}) as the exchange applies
 * them: read, cached and fail-closed exactly as the trusted-issuer allowlist ({@link OrgFileCache}). No file
 * keeps Octo STS's behaviour; a file that cannot be read or is invalid (and no valid one was seen within the
 * hour) refuses every repository scope of the org, never quietly enables repository policies.
 */
final class OrgSettingsCheck {
    static final String PATH = ".github/chainguard/org-settings.yaml";
    /** 4 MiB: a parsed file is a few bytes, so this is some 10,000 owners with their invalid-file messages. */
    static final long MAX_WEIGHT = 4L << 20;
    private static final long SETTINGS_BYTES = 64;

    private final OrgFileCache<OrgSettings> byOwner;

    /** @param waitLimit how long a caller waits for another caller's read of the same owner */
    OrgSettingsCheck(GitHubClient github, String orgPolicyRepo, Clock clock, Duration waitLimit) {
        this.byOwner = new OrgFileCache<>(new OrgFileLookup<>(github, orgPolicyRepo, PATH, OrgSettings::parse),
                clock, waitLimit, MAX_WEIGHT, settings -> SETTINGS_BYTES);
    }

    /**
     * Passed for an org-scope target without reading anything; for a repository scope, passed when the org's
     * settings allow repository policies, else refused with why (before the repository's policy is read).
     */
    Outcome<Void> admit(AppPool pool, Target target, RecordBuilder record) {
        if (target.orgPolicy()) {
            return Outcome.passed();
        }
        return switch (byOwner.lookup(pool, target.owner())) {
            case OrgFileState.Absent<OrgSettings> absent -> allowing(OrgSettings.DEFAULTS, target);
            case OrgFileState.Present<OrgSettings>(OrgSettings settings) -> allowing(settings, target);
            case OrgFileState.Invalid<OrgSettings>(String error) ->
                    refused(record, Reason.ORG_SETTINGS_INVALID, error);
            case OrgFileState.Unavailable<OrgSettings>(boolean rateLimited, String cause) -> refused(record,
                    rateLimited ? Reason.ORG_SETTINGS_RATE_LIMITED : Reason.ORG_SETTINGS_UNAVAILABLE, cause);
            case OrgFileState.TimedOut<OrgSettings> timedOut ->
                    refused(record, Reason.ORG_SETTINGS_TIMEOUT, "gave up waiting for the lookup in flight");
        };
    }

    private static Outcome<Void> allowing(OrgSettings settings, Target target) {
        return settings.repositoryPolicies() ? Outcome.passed()
                : Outcome.refused(Reason.REPOSITORY_POLICIES_DISABLED.refusal(target.owner()));
    }

    /** The failure's cause goes to the record's operator-facing detail; the caller's message names nothing. */
    private static Outcome<Void> refused(RecordBuilder record, Reason reason, String cause) {
        record.detail("org settings: " + cause);
        return Outcome.refused(reason.refusal());
    }

    /** True while a read of the owner's settings is in flight (tests join it on purpose). */
    boolean reading(String owner) {
        return byOwner.reading(owner);
    }
}
