package dev.octosts.dev;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.dev.GitHubSimState.Installation;
import dev.octosts.dev.GitHubSimState.Repo;
import dev.octosts.dev.GitHubSimState.Token;
import dev.octosts.dev.GitHubSimTraffic.Call;
import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * The simulated GitHub's routes an App calls with its JWT: {@code GET /app}, the installations (listed,
 * by id, by org, user or repository) and {@code POST /app/installations/{id}/access_tokens}, which mints
 * installation tokens with GitHub's checks of the requested permissions and repositories.
 */
final class GitHubSimAppRoutes {
    static final int MAX_TOKEN_REPOSITORIES = 500;
    private static final DateTimeFormatter RFC3339_SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final String BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final GitHubSimState state;
    /** The simulator's public base URL, for the {@code Link} header of paged lists. */
    private final Supplier<URI> baseUrl;
    private final SecureRandom random = new SecureRandom();

    GitHubSimAppRoutes(GitHubSimState state, Supplier<URI> baseUrl) {
        this.state = state;
        this.baseUrl = baseUrl;
    }

    GitHubSimResponse app(Call call) {
        return withApp(call, appId -> GitHubSimResponse.json(200, appJson(appId)));
    }

    GitHubSimResponse listInstallations(Call call) {
        return withApp(call, appId -> listInstallations(appId, call.rawQuery()));
    }

    GitHubSimResponse installationById(Call call) {
        Long installationId = GitHubSimRouting.parseId(call.path().get("id"));
        if (installationId == null) {
            return GitHubSimResponse.notFound();
        }
        return withApp(call, appId -> installationById(appId, installationId));
    }

    GitHubSimResponse mint(Call call) {
        Long installationId = GitHubSimRouting.parseId(call.path().get("id"));
        if (installationId == null) {
            return GitHubSimResponse.notFound();
        }
        return withApp(call, appId -> mint(appId, installationId, call.body()));
    }

    GitHubSimResponse accountInstallation(Call call) {
        return withApp(call, appId -> installationForAccount(appId, call.path().get("account"), null));
    }

    GitHubSimResponse repositoryInstallation(Call call) {
        return withApp(call, appId -> installationForAccount(appId, call.path().get("owner"), call.path().get("repo")));
    }

    private GitHubSimResponse withApp(Call call, LongFunction<GitHubSimResponse> route) {
        String credential = GitHubSimTraffic.bearer(call.authorization());
        if (credential == null) {
            return GitHubSimResponse.message(401, "A JSON web token could not be decoded");
        }
        return switch (state.jwtCheck().check(credential, state.clock().instant())) {
            case GitHubSimJwtCheck.Outcome.Invalid(String message) -> GitHubSimResponse.message(401, message);
            case GitHubSimJwtCheck.Outcome.Valid(long appId) -> {
                call.caller().bucket = "app:" + appId;
                yield route.apply(appId);
            }
        };
    }

    private static Map<String, Object> appJson(long appId) {
        Map<String, Object> app = new LinkedHashMap<>();
        app.put("id", appId);
        app.put("slug", "simulated-app-" + appId);
        app.put("name", "Simulated App " + appId);
        return app;
    }

    private GitHubSimResponse listInstallations(long appId, String rawQuery) {
        Map<String, String> query = GitHubSimRouting.parseQuery(rawQuery);
        int perPage = GitHubSimRouting.perPage(query);
        int page = GitHubSimRouting.page(query);
        synchronized (state) {
            List<Installation> mine = state.installations().stream().filter(i -> i.appId() == appId).toList();
            int lastPage = Math.max(1, (mine.size() + perPage - 1) / perPage);
            int from = Math.min(mine.size(), (page - 1) * perPage);
            List<Object> body = new ArrayList<>();
            for (Installation installation : mine.subList(from, Math.min(mine.size(), from + perPage))) {
                body.add(installationJson(installation));
            }
            GitHubSimResponse response = GitHubSimResponse.json(200, body);
            if (lastPage > 1) {
                response.withHeader("Link", links(perPage, page, lastPage));
            }
            return response;
        }
    }

    private String links(int perPage, int page, int lastPage) {
        String url = baseUrl.get() + "/app/installations?per_page=" + perPage + "&page=";
        List<String> links = new ArrayList<>();
        if (page > 1) {
            links.add("<" + url + (Math.min(page, lastPage + 1) - 1) + ">; rel=\"prev\"");
        }
        if (page < lastPage) {
            links.add("<" + url + (page + 1) + ">; rel=\"next\"");
            links.add("<" + url + lastPage + ">; rel=\"last\"");
        }
        if (page > 1) {
            links.add("<" + url + 1 + ">; rel=\"first\"");
        }
        return String.join(", ", links);
    }

    private GitHubSimResponse installationById(long appId, long installationId) {
        synchronized (state) {
            Installation installation = state.installation(installationId);
            if (installation == null || installation.appId() != appId) {
                return GitHubSimResponse.notFound();
            }
            return GitHubSimResponse.json(200, installationJson(installation));
        }
    }

    private GitHubSimResponse installationForAccount(long appId, String account, String repoName) {
        synchronized (state) {
            if (repoName != null && state.repo(account, repoName) == null) {
                return GitHubSimResponse.notFound();
            }
            for (Installation installation : state.installations()) {
                if (installation.appId() == appId && installation.account().equalsIgnoreCase(account)
                        && (repoName == null || installation.covers(repoName))) {
                    return GitHubSimResponse.json(200, installationJson(installation));
                }
            }
            return GitHubSimResponse.notFound();
        }
    }

    private static Map<String, Object> installationJson(Installation installation) {
        Map<String, Object> account = new LinkedHashMap<>();
        account.put("login", installation.account());
        account.put("id", installation.accountId());
        account.put("type", "Organization");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", installation.id());
        json.put("account", account);
        json.put("app_id", installation.appId());
        json.put("target_type", "Organization");
        json.put("permissions", installation.permissions());
        json.put("repository_selection", installation.repositories() == null ? "all" : "selected");
        json.put("events", List.of());
        return json;
    }

    private GitHubSimResponse mint(long appId, long installationId, byte[] rawBody) {
        synchronized (state) {
            Installation installation = state.installation(installationId);
            if (installation == null || installation.appId() != appId) {
                return GitHubSimResponse.notFound();
            }
            JsonNode body;
            try {
                body = rawBody.length == 0 ? GitHubSimResponse.JSON.createObjectNode() : GitHubSimResponse.JSON.readTree(rawBody);
            } catch (IOException e) {
                return GitHubSimResponse.message(400, "Problems parsing JSON");
            }
            if (body == null || !body.isObject()) {
                return GitHubSimResponse.message(400, "Problems parsing JSON");
            }
            Map<String, String> permissions = new TreeMap<>();
            GitHubSimResponse refused = grantedPermissions(installation, body.path("permissions"), permissions);
            return refused != null ? refused : issue(installation, body, permissions);
        }
    }

    /** Fills {@code permissions} with the requested ones (all granted ones if none); an answer if one is refused. */
    private static GitHubSimResponse grantedPermissions(Installation installation, JsonNode requested,
                                                        Map<String, String> permissions) {
        if (!requested.isMissingNode() && !requested.isNull() && !requested.isObject()) {
            return GitHubSimResponse.message(422, "Invalid request.\n\nFor 'properties/permissions', it is not an object.");
        }
        for (Map.Entry<String, JsonNode> p : requested.properties()) {
            String name = p.getKey();
            String level = p.getValue().isTextual() ? p.getValue().asText() : "";
            Integer wanted = GitHubSimState.LEVELS.get(level);
            if (wanted == null) {
                return GitHubSimResponse.message(422, "The permission " + name + " requested with level '" + level
                        + "' is invalid; levels are read, write and admin.");
            }
            String grantedLevel = installation.permissions().get(name);
            if (grantedLevel == null || GitHubSimState.LEVELS.get(grantedLevel) < wanted) {
                return GitHubSimResponse.message(422, "The permissions requested are not granted to this installation: "
                        + name + ":" + level + " (granted: " + (grantedLevel == null ? "none" : grantedLevel) + ")");
            }
            permissions.put(name, level);
        }
        if (permissions.isEmpty()) {
            permissions.putAll(installation.permissions());
        }
        return null;
    }

    /** Checks the requested repositories, then issues the token: 201 with its JSON, or 422. */
    private GitHubSimResponse issue(Installation installation, JsonNode body,
                                                   Map<String, String> permissions) {
        Set<Repo> selected = new LinkedHashSet<>();
        JsonNode names = body.path("repositories");
        JsonNode repositoryIds = body.path("repository_ids");
        if (!names.isMissingNode() && !names.isNull()) {
            if (!names.isArray() || names.size() > MAX_TOKEN_REPOSITORIES) {
                return GitHubSimResponse.message(422, "Invalid request.\n\nFor 'properties/repositories', it is not an array of at most 500 names.");
            }
            for (JsonNode name : names) {
                Repo repo = name.isTextual() ? state.repo(installation.account(), name.asText()) : null;
                if (repo == null || !installation.covers(repo.name())) {
                    return GitHubSimResponse.message(422, "There is at least one repository that does not exist or is not accessible to the parent installation: "
                            + name.asText());
                }
                selected.add(repo);
            }
        }
        if (!repositoryIds.isMissingNode() && !repositoryIds.isNull()) {
            if (!repositoryIds.isArray() || repositoryIds.size() > MAX_TOKEN_REPOSITORIES) {
                return GitHubSimResponse.message(422, "Invalid request.\n\nFor 'properties/repository_ids', it is not an array of at most 500 ids.");
            }
            for (JsonNode id : repositoryIds) {
                Repo repo = state.repos().stream()
                        .filter(r -> r.id() == id.asLong(-1) && r.owner().equalsIgnoreCase(installation.account()))
                        .findFirst().orElse(null);
                if (repo == null || !installation.covers(repo.name())) {
                    return GitHubSimResponse.message(422, "There is at least one repository that does not exist or is not accessible to the parent installation: id "
                            + id.asText());
                }
                selected.add(repo);
            }
        }

        List<String> tokenRepositories;
        if (!selected.isEmpty()) {
            tokenRepositories = selected.stream().map(Repo::name).toList();
        } else if (installation.repositories() != null) {
            tokenRepositories = installation.repositories();
            installation.repositories().forEach(name -> selected.add(state.repo(installation.account(), name)));
        } else {
            tokenRepositories = null;
        }

        Instant expiresAt = state.clock().instant().truncatedTo(ChronoUnit.SECONDS).plus(GitHubSimState.TOKEN_LIFETIME);
        String value = newToken();
        state.addToken(new Token(value, installation.id(), Map.copyOf(permissions), tokenRepositories, expiresAt));

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("token", value);
        json.put("expires_at", RFC3339_SECONDS.format(expiresAt));
        json.put("permissions", permissions);
        json.put("repository_selection", tokenRepositories == null ? "all" : "selected");
        if (tokenRepositories != null) {
            json.put("repositories", selected.stream().map(GitHubSimAppRoutes::repoJson).toList());
        }
        return GitHubSimResponse.json(201, json);
    }

    private static Map<String, Object> repoJson(Repo repo) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", repo.id());
        json.put("name", repo.name());
        json.put("full_name", repo.owner() + "/" + repo.name());
        json.put("private", true);
        return json;
    }

    private String newToken() {
        StringBuilder token = new StringBuilder("ghs_");
        for (int i = 0; i < 36; i++) {
            token.append(BASE62.charAt(random.nextInt(BASE62.length())));
        }
        return token.toString();
    }
}
