package dev.octosts.dev;

import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRouting;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The simulated GitHub's route table on Helidon routing: which method and path pattern each REST endpoint
 * answers, under the base path; anything else is 404. Every route goes through {@link GitHubSimTraffic}
 * first. A trailing slash is accepted wherever GitHub accepts one. Also the query-string helpers the routes share.
 */
final class GitHubSimRouting {
    static final int MAX_PER_PAGE = 100;
    static final int DEFAULT_PER_PAGE = 30;

    private GitHubSimRouting() {
    }

    static void routes(HttpRouting.Builder routing, String basePath, GitHubSimTraffic traffic,
                       GitHubSimAppRoutes apps, GitHubSimRepoRoutes repos) {
        String repo = "/repos/{owner}/{repo}";
        new Table(routing, basePath, traffic)
                .route(Method.GET, "/app[/]", apps::app)
                .route(Method.GET, "/app/installations[/]", apps::listInstallations)
                .route(Method.GET, "/app/installations/{id}[/]", apps::installationById)
                .route(Method.POST, "/app/installations/{id}/access_tokens[/]", apps::mint)
                .route(Method.GET, "/orgs/{account}/installation[/]", apps::accountInstallation)
                .route(Method.GET, "/users/{account}/installation[/]", apps::accountInstallation)
                .route(Method.GET, repo + "/installation[/]", apps::repositoryInstallation)
                .route(Method.DELETE, "/installation/token[/]", repos::revoke)
                .route(Method.GET, repo + "/contents[/]", repos::contents)
                .route(Method.GET, repo + "/contents/{+path}", repos::contents)
                .route(Method.POST, repo + "/check-runs[/]", repos::createCheckRun)
                .route(Method.GET, repo + "/pulls/{number}/files[/]", repos::pullRequestFiles)
                .route(Method.GET, repo + "/compare/{basehead}[/]", repos::compare);
        routing.any(traffic.handler(call -> GitHubSimResponse.notFound()));
    }

    /** Adds routes under the base path, each answered through the traffic's checks. */
    private record Table(HttpRouting.Builder routing, String basePath, GitHubSimTraffic traffic) {
        Table route(Method method, String path, GitHubSimTraffic.Route route) {
            routing.route(method, basePath + path, traffic.handler(route));
            return this;
        }
    }

    /** The first value of each query parameter, percent-decoded; a malformed one is ignored, as GitHub ignores unknown ones. */
    static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                query.putIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException ignored) {
                // Skipped: see above.
            }
        }
        return query;
    }

    /** {@code per_page}, 30 by default, at most 100. */
    static int perPage(Map<String, String> query) {
        return Math.max(1, Math.min(MAX_PER_PAGE, parseInt(query.get("per_page"), DEFAULT_PER_PAGE)));
    }

    /** {@code page}, counted from 1. */
    static int page(Map<String, String> query) {
        return Math.max(1, parseInt(query.get("page"), 1));
    }

    /** A positive id, or null. */
    static Long parseId(String text) {
        try {
            long id = Long.parseLong(text);
            return id > 0 ? id : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int parseInt(String value, int fallback) {
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
