package dev.octosts.dev;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.dev.GitHubSimState.Installation;
import dev.octosts.dev.GitHubSimState.Repo;
import dev.octosts.dev.GitHubSimState.Token;
import dev.octosts.dev.GitHubSimTraffic.Call;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The simulated GitHub's routes called with an installation token: revoking it, repository contents (files
 * as base64 JSON or raw, directories as listings, at a ref), creating check runs, a pull request's files and
 * a comparison's files. A repository the token may not see is 404, as on GitHub.
 */
final class GitHubSimRepoRoutes {
    private final GitHubSimState state;

    GitHubSimRepoRoutes(GitHubSimState state) {
        this.state = state;
    }

    GitHubSimResponse revoke(Call call) {
        return withToken(call, token -> {
            token.revoked = true;
            return GitHubSimResponse.noContent();
        });
    }

    /** {@code contents} or {@code contents/{path}}; a trailing slash names the same file or directory. */
    GitHubSimResponse contents(Call call) {
        String path = call.path().first("path").orElse("");
        String file = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        String ref = GitHubSimRouting.parseQuery(call.rawQuery()).get("ref");
        return withToken(call, token -> contents(token, call.path().get("owner"), call.path().get("repo"), file,
                call.accept(), ref));
    }

    GitHubSimResponse createCheckRun(Call call) {
        return withToken(call, token -> createCheckRun(token, call.path().get("owner"), call.path().get("repo"), call.body()));
    }

    GitHubSimResponse pullRequestFiles(Call call) {
        return withToken(call, token -> pullRequestFiles(token, call.path().get("owner"), call.path().get("repo"),
                call.path().get("number"), call.rawQuery()));
    }

    GitHubSimResponse compare(Call call) {
        return withToken(call, token -> compare(token, call.path().get("owner"), call.path().get("repo"),
                call.path().get("basehead")));
    }

    private GitHubSimResponse withToken(Call call, Function<Token, GitHubSimResponse> route) {
        Token token = state.liveToken(GitHubSimTraffic.bearer(call.authorization()));
        if (token == null) {
            return GitHubSimResponse.message(401, "Bad credentials");
        }
        call.caller().bucket = "installation:" + token.installationId;
        return route.apply(token);
    }

    private GitHubSimResponse contents(Token token, String owner, String repoName, String path, String accept, String ref) {
        synchronized (state) {
            Repo repo = usableRepo(token, owner, repoName, "contents", "read");
            if (repo == null) {
                return GitHubSimResponse.notFound();
            }
            TreeMap<String, byte[]> tree = ref == null || ref.isEmpty() ? repo.files() : state.refTree(owner, repoName, ref);
            if (tree == null) {
                return GitHubSimResponse.message(404, "No commit found for the ref " + ref);
            }
            byte[] file = path.isEmpty() ? null : tree.get(path);
            if (file != null) {
                if (accept != null && accept.contains("application/vnd.github.raw")) {
                    return GitHubSimResponse.raw(file);
                }
                return GitHubSimResponse.json(200, fileJson(path, file));
            }
            List<Map<String, Object>> children = listing(tree, path);
            if (children.isEmpty() && !path.isEmpty()) {
                return GitHubSimResponse.notFound();
            }
            return GitHubSimResponse.json(200, children);
        }
    }

    /** The files and directories right under {@code path} in {@code tree}, by name. */
    private static List<Map<String, Object>> listing(TreeMap<String, byte[]> tree, String path) {
        String prefix = path.isEmpty() ? "" : path + "/";
        Map<String, Map<String, Object>> children = new TreeMap<>();
        for (Map.Entry<String, byte[]> entry : tree.tailMap(prefix, true).entrySet()) {
            if (!entry.getKey().startsWith(prefix)) {
                break;
            }
            String rest = entry.getKey().substring(prefix.length());
            int slash = rest.indexOf('/');
            String name = slash < 0 ? rest : rest.substring(0, slash);
            if (slash < 0) {
                children.put(name, entryJson("file", prefix + name, sha1Hex(gitBlob(entry.getValue())), entry.getValue().length));
            } else {
                children.putIfAbsent(name, entryJson("dir", prefix + name, sha1Hex((prefix + name).getBytes(StandardCharsets.UTF_8)), 0));
            }
        }
        return new ArrayList<>(children.values());
    }

    /** The repository when the token may use it with at least {@code level} of {@code permission}; else null. */
    private Repo usableRepo(Token token, String owner, String repoName, String permission, String level) {
        Repo repo = state.repo(owner, repoName);
        Installation installation = state.installation(token.installationId);
        String granted = token.permissions.get(permission);
        boolean visible = repo != null && installation != null
                && installation.account().equalsIgnoreCase(repo.owner())
                && installation.covers(repo.name())
                && (token.repositories == null || token.repositories.stream().anyMatch(r -> r.equalsIgnoreCase(repo.name())));
        return visible && granted != null && GitHubSimState.LEVELS.containsKey(granted)
                && GitHubSimState.LEVELS.get(granted) >= GitHubSimState.LEVELS.get(level) ? repo : null;
    }

    private GitHubSimResponse createCheckRun(Token token, String owner, String repoName, byte[] rawBody) {
        synchronized (state) {
            Repo repo = state.repo(owner, repoName);
            if (repo == null || usableRepo(token, owner, repoName, "contents", "read") == null
                    && usableRepo(token, owner, repoName, "checks", "read") == null) {
                return GitHubSimResponse.notFound();
            }
            if (usableRepo(token, owner, repoName, "checks", "write") == null) {
                return GitHubSimResponse.message(403, "Resource not accessible by integration");
            }
            JsonNode body;
            try {
                body = GitHubSimResponse.JSON.readTree(rawBody);
            } catch (IOException e) {
                return GitHubSimResponse.message(400, "Problems parsing JSON");
            }
            if (body == null || !body.isObject() || !body.path("name").isTextual() || !body.path("head_sha").isTextual()
                    || body.path("name").asText().isEmpty() || body.path("head_sha").asText().isEmpty()) {
                return GitHubSimResponse.message(422, "Invalid request.\n\n\"name\" and \"head_sha\" are required.");
            }
            String status = body.path("status").asText("queued");
            if (status.equals("completed") && !body.path("conclusion").isTextual()) {
                return GitHubSimResponse.message(422, "Invalid request.\n\n\"conclusion\" is required when status is completed.");
            }
            JsonNode output = body.path("output");
            long id = state.nextId();
            GitHubSimulator.CreatedCheckRun run = new GitHubSimulator.CreatedCheckRun(id, repo.owner(), repo.name(),
                    token.installationId, body.path("name").asText(), body.path("head_sha").asText(),
                    body.path("external_id").asText(null), status, body.path("conclusion").asText(null),
                    output.path("title").asText(null), output.path("summary").asText(null), output.path("text").asText(null));
            state.addCheckRun(run);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("id", id);
            json.put("name", run.name());
            json.put("head_sha", run.headSha());
            json.put("external_id", run.externalId());
            json.put("status", run.status());
            json.put("conclusion", run.conclusion());
            return GitHubSimResponse.json(201, json);
        }
    }

    private GitHubSimResponse pullRequestFiles(Token token, String owner, String repoName, String number, String rawQuery) {
        synchronized (state) {
            if (usableRepo(token, owner, repoName, "pull_requests", "read") == null) {
                return GitHubSimResponse.notFound();
            }
            List<Map<String, Object>> files = state.pullRequestFiles(owner, repoName, number);
            if (files == null) {
                return GitHubSimResponse.notFound();
            }
            Map<String, String> query = GitHubSimRouting.parseQuery(rawQuery);
            int perPage = GitHubSimRouting.perPage(query);
            int page = GitHubSimRouting.page(query);
            int from = Math.min(files.size(), (page - 1) * perPage);
            return GitHubSimResponse.json(200, files.subList(from, Math.min(files.size(), from + perPage)));
        }
    }

    private GitHubSimResponse compare(Token token, String owner, String repoName, String basehead) {
        synchronized (state) {
            if (usableRepo(token, owner, repoName, "contents", "read") == null) {
                return GitHubSimResponse.notFound();
            }
            List<Map<String, Object>> files = state.comparison(owner, repoName, basehead);
            if (files == null) {
                return GitHubSimResponse.notFound();
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("status", "ahead");
            json.put("ahead_by", 1);
            json.put("behind_by", 0);
            json.put("files", files);
            return GitHubSimResponse.json(200, json);
        }
    }

    private static Map<String, Object> fileJson(String path, byte[] content) {
        Map<String, Object> json = entryJson("file", path, blobSha(content), content.length);
        if (content.length > GitHubSimState.CONTENT_INLINE_LIMIT) {
            json.put("encoding", "none");
            json.put("content", "");
        } else {
            String base64 = Base64.getMimeEncoder(60, new byte[]{'\n'}).encodeToString(content);
            json.put("encoding", "base64");
            json.put("content", base64.isEmpty() ? "" : base64 + "\n");
        }
        return json;
    }

    private static Map<String, Object> entryJson(String type, String path, String sha, int size) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("type", type);
        json.put("size", size);
        json.put("name", path.substring(path.lastIndexOf('/') + 1));
        json.put("path", path);
        json.put("sha", sha);
        return json;
    }

    /** Git's blob object id: SHA-1 of {@code "blob <size>\0"} followed by the content. */
    static String blobSha(byte[] content) {
        return sha1Hex(gitBlob(content));
    }

    private static byte[] gitBlob(byte[] content) {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] blob = new byte[header.length + content.length];
        System.arraycopy(header, 0, blob, 0, header.length);
        System.arraycopy(content, 0, blob, header.length, content.length);
        return blob;
    }

    static String sha1Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }
}
