package dev.octosts.webhook;

import dev.octosts.github.AppRouter;
import dev.octosts.github.ChangedFile;
import dev.octosts.github.ChangedFilesResult;
import dev.octosts.github.CheckRun;
import dev.octosts.github.CheckRunResult;
import dev.octosts.github.ContentsResult;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.GitHubError;
import dev.octosts.github.InstallationAccess;
import dev.octosts.policy.TrustPolicies;
import io.opentelemetry.api.trace.Span;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The GitHub work of {@link WebhookService} for a signed, parsed, first-seen delivery of a handled event:
 * the org filter, the changed trust policies of the event, their verdicts and the check run on the head commit.
 */
final class PolicyValidation {
    private static final System.Logger LOG = System.getLogger(WebhookService.class.getName());
    private static final Set<String> PULL_REQUEST_ACTIONS = Set.of("opened", "synchronize", "reopened");

    /** Thrown inside processing when GitHub fails a step; the message is for the log. */
    static final class StepFailed extends Exception {
        private static final long serialVersionUID = 1L;

        StepFailed(String message) {
            super(message, null, false, false);
        }
    }

    private final List<String> organizationFilter;
    private final String orgPolicyRepo;
    private final GitHubClient github;
    private final InstallationTokens tokens;
    private final PolicyVerdicts verdicts;
    private final Clock clock;

    /** @param organizationFilter owners served (ignoring case); empty serves every owner */
    PolicyValidation(List<String> organizationFilter, String orgPolicyRepo, AppRouter router, GitHubClient github,
                     TrustPolicies trustPolicies, Clock clock) {
        this.organizationFilter = List.copyOf(organizationFilter);
        this.orgPolicyRepo = orgPolicyRepo;
        this.github = github;
        this.tokens = new InstallationTokens(router, github, clock);
        this.verdicts = new PolicyVerdicts(orgPolicyRepo, trustPolicies);
        this.clock = clock;
    }

    DeliveryOutcome process(WebhookEvent.Handled event, Span span) throws StepFailed {
        WebhookEvent.Repository repository = event.repository();
        span.setAttribute("octosts.webhook.repository", repository.owner() + "/" + repository.name());
        if (!organizationFilter.isEmpty() && organizationFilter.stream().noneMatch(o -> o.equalsIgnoreCase(repository.owner()))) {
            return DeliveryOutcome.SKIPPED;
        }
        Work work = new Work(repository, event.installationId());
        String sha;
        List<String> files;
        switch (event) {
            case WebhookEvent.PullRequest pr -> {
                span.setAttribute("octosts.webhook.action", pr.action());
                if (!PULL_REQUEST_ACTIONS.contains(pr.action())) {
                    return DeliveryOutcome.SKIPPED;
                }
                sha = pr.headSha();
                files = work.pullRequestFiles(pr.number());
            }
            case WebhookEvent.Push push -> {
                sha = push.after();
                if (sha.equals(WebhookService.ZERO_SHA)) {
                    return DeliveryOutcome.SKIPPED;
                }
                files = push.commits().size() < WebhookService.PUSH_COMMITS_TRUSTED
                        ? ValidatedPaths.fromPush(push.commits())
                        : work.compare(push.before(), push.after());
            }
            case WebhookEvent.CheckSuite suite -> {
                span.setAttribute("octosts.webhook.action", suite.action());
                sha = suite.headSha();
                files = new ArrayList<>();
                if (suite.before().equals(WebhookService.ZERO_SHA)) {
                    if (!suite.headBranch().equals(repository.defaultBranch()) && suite.pullRequests().isEmpty()) {
                        return DeliveryOutcome.SKIPPED;
                    }
                    files.addAll(work.policyDirectory(sha));
                } else {
                    files.addAll(work.compare(suite.before(), sha));
                }
                for (long number : suite.pullRequests()) {
                    files.addAll(work.pullRequestFiles(number));
                }
            }
        }
        span.setAttribute("octosts.webhook.sha", sha);
        List<String> validated = List.copyOf(new TreeSet<>(ValidatedPaths.filter(repository.name(), files, orgPolicyRepo)));
        span.setAttribute("octosts.webhook.files", validated.size());
        if (validated.isEmpty()) {
            return DeliveryOutcome.SKIPPED;
        }
        return validate(work, sha, validated, span);
    }

    private DeliveryOutcome validate(Work work, String sha, List<String> paths, Span span) throws StepFailed {
        Instant started = clock.instant();
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (String path : paths) {
            ContentsResult result = github.contentsAt(work.access(), work.repository.owner(), work.repository.name(), path, sha);
            if (WebhookService.abortsValidation(result)) {
                // The remaining reads would be refused too; no verdict is better than a wrong one.
                LOG.log(System.Logger.Level.WARNING, "webhook validation of " + work.repository.owner() + "/"
                        + work.repository.name() + " stopped: GitHub rate limit");
                return DeliveryOutcome.RATE_LIMITED;
            }
            switch (result) {
                case ContentsResult.File(String text, String blobSha) -> {
                    PolicyVerdicts.Verdict verdict = verdicts.judge(work.repository.name(), path, text);
                    if (!verdict.valid()) {
                        errors.add(verdict.error());
                    }
                    warnings.addAll(verdict.warnings());
                }
                case ContentsResult.Directory directory -> errors.add(path + ": not a file");
                case ContentsResult.NotAFile notAFile -> errors.add(path + ": not a file");
                case ContentsResult.Missing missing -> errors.add(path + ": not found at " + sha);
                case ContentsResult.Failed(GitHubError error) ->
                        errors.add(path + ": cannot read: " + InstallationTokens.describe(error));
            }
        }
        CheckRunReport report = CheckRunReport.of(errors, warnings);
        span.setAttribute("octosts.webhook.conclusion", report.conclusion());
        CheckRun run = new CheckRun(CheckRunReport.NAME, sha, sha, report.conclusion(), started, clock.instant(),
                report.title(), report.summary(), report.text());
        if (github.createCheckRun(work.access(), work.repository.owner(), work.repository.name(), run)
                instanceof CheckRunResult.Failed(GitHubError error)) {
            throw new StepFailed("creating the check run failed: " + InstallationTokens.describe(error));
        }
        return DeliveryOutcome.CHECKED;
    }

    /** One delivery's GitHub work: the installation token is minted (or taken from the cache) when first needed. */
    private final class Work {
        final WebhookEvent.Repository repository;
        final long installationId;
        private InstallationAccess access;

        Work(WebhookEvent.Repository repository, long installationId) {
            this.repository = repository;
            this.installationId = installationId;
        }

        InstallationAccess access() throws StepFailed {
            if (access == null) {
                switch (tokens.access(repository.owner(), installationId)) {
                    case InstallationTokens.Outcome.Granted(InstallationAccess granted) -> access = granted;
                    case InstallationTokens.Outcome.Refused(String reason) -> throw new StepFailed(reason);
                }
            }
            return access;
        }

        List<String> pullRequestFiles(long number) throws StepFailed {
            return kept(github.pullRequestFiles(access(), repository.owner(), repository.name(), number), "pull request files");
        }

        List<String> compare(String base, String head) throws StepFailed {
            return kept(github.compare(access(), repository.owner(), repository.name(), base, head), "compare");
        }

        /** The files (not directories) of {@code .github/chainguard} at {@code sha}; none when it does not exist. */
        List<String> policyDirectory(String sha) throws StepFailed {
            return switch (github.contentsAt(access(), repository.owner(), repository.name(), ValidatedPaths.POLICY_DIRECTORY, sha)) {
                case ContentsResult.Directory(List<ContentsResult.Entry> entries) ->
                        entries.stream().filter(e -> e.type().equals("file")).map(ContentsResult.Entry::path).toList();
                case ContentsResult.Failed(GitHubError error) ->
                        throw new StepFailed("listing the policy directory failed: " + InstallationTokens.describe(error));
                default -> List.of();
            };
        }

        /** The files of a listing that still exist at the head: removed ones are dropped. */
        private List<String> kept(ChangedFilesResult result, String what) throws StepFailed {
            return switch (result) {
                case ChangedFilesResult.Listed(List<ChangedFile> files) ->
                        files.stream().filter(f -> !f.status().equals("removed")).map(ChangedFile::filename).toList();
                case ChangedFilesResult.Failed(GitHubError error) ->
                        throw new StepFailed(what + " failed: " + InstallationTokens.describe(error));
            };
        }
    }
}
