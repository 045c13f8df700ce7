package dev.octosts.github;

import java.time.Instant;

/**
 * A completed check run, as {@code POST /repos/{owner}/{repo}/check-runs} takes it.
 *
 * @param text the output's details below the summary; null when there are none
 */
public record CheckRun(String name, String headSha, String externalId, String conclusion, Instant startedAt,
                       Instant completedAt, String title, String summary, String text) {
}
