package dev.octosts.github;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.github.GitHubTransport.CallFailed;
import dev.octosts.github.GitHubTransport.Response;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GitHub's JSON, both ways: request bodies out, and answers (tokens, installations, file contents, changed
 * files, errors) read into values. An answer that is not what GitHub documents is a malformed-answer error,
 * never an exception for the caller.
 */
final class GitHubJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An installation as the App's installation list names it. */
    record Installation(String login, long id) {
    }

    private GitHubJson() {
    }

    /** {@code body} as JSON; {@code what} names it in the error should it ever fail. */
    static byte[] encode(Object body, String what) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + what, e);
        }
    }

    static GitHubError errorOf(Response response) {
        String message = "HTTP " + response.status();
        String documentationUrl = null;
        try {
            JsonNode body = JSON.readTree(response.body());
            if (body != null && body.isObject()) {
                message = body.path("message").asText(message);
                documentationUrl = body.path("documentation_url").asText(null);
            }
        } catch (IOException notJson) {
            // The status alone classifies the error.
        }
        return GitHubError.of(response.status(), response.header("X-RateLimit-Remaining"),
                response.header("Retry-After"), message, documentationUrl);
    }

    static GitHubError malformed(Response response, String what) {
        return new GitHubError(response.status(), false, false, what);
    }

    static JsonNode parseJson(Response response) throws CallFailed {
        try {
            JsonNode node = JSON.readTree(response.body());
            if (node == null) {
                throw new CallFailed(malformed(response, "empty response body"));
            }
            return node;
        } catch (IOException e) {
            throw new CallFailed(malformed(response, "response body is not JSON"));
        }
    }

    /** One page of the App's installations; entries without an account login or an id are skipped. */
    static List<Installation> installations(Response response) throws CallFailed {
        JsonNode list = parseJson(response);
        if (!list.isArray()) {
            throw new CallFailed(malformed(response, "the installation list is not a JSON array"));
        }
        List<Installation> installations = new ArrayList<>();
        for (JsonNode installation : list) {
            String login = installation.path("account").path("login").asText(null);
            long id = installation.path("id").asLong(0);
            if (login != null && id > 0) {
                installations.add(new Installation(login, id));
            }
        }
        return installations;
    }

    static InstallationToken parseToken(Response response) throws CallFailed {
        JsonNode body = parseJson(response);
        String token = body.path("token").asText("");
        String expiresAtRaw = body.path("expires_at").asText("");
        if (token.isEmpty() || expiresAtRaw.isEmpty()) {
            throw new CallFailed(malformed(response, "token response without token or expires_at"));
        }
        Instant expiresAt;
        try {
            expiresAt = timestamp(expiresAtRaw);
        } catch (DateTimeException e) {
            throw new CallFailed(malformed(response, "token response with an unreadable expires_at"));
        }
        Map<String, String> permissions = new LinkedHashMap<>();
        body.path("permissions").properties().forEach(p -> permissions.put(p.getKey(), p.getValue().asText()));
        List<String> repositories = new ArrayList<>();
        for (JsonNode repository : body.path("repositories")) {
            String name = repository.path("name").asText(null);
            if (name != null) {
                repositories.add(name);
            }
        }
        return new InstallationToken(token, expiresAt, expiresAtRaw, permissions, repositories);
    }

    /**
     * An RFC 3339 time. GitHub writes {@code 2026-11-27T21:00:00Z}, which is read field by field: the general
     * parser is a noticeable share of an exchange's CPU.
     */
    static Instant timestamp(String text) {
        if (text.length() == 20 && text.charAt(4) == '-' && text.charAt(7) == '-' && text.charAt(10) == 'T'
                && text.charAt(13) == ':' && text.charAt(16) == ':' && text.charAt(19) == 'Z') {
            int[] fields = new int[6];
            int[] starts = {0, 5, 8, 11, 14, 17};
            for (int i = 0; i < fields.length; i++) {
                int end = i == 0 ? 4 : starts[i] + 2;
                for (int at = starts[i]; at < end; at++) {
                    char c = text.charAt(at);
                    if (c < '0' || c > '9') {
                        return OffsetDateTime.parse(text).toInstant();
                    }
                    fields[i] = fields[i] * 10 + (c - '0');
                }
            }
            return LocalDateTime.of(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])
                    .toInstant(ZoneOffset.UTC);
        }
        return OffsetDateTime.parse(text).toInstant();
    }

    /** The file a contents answer ({@code body}, already parsed) holds, or why it holds none. */
    static FileResult fileOf(Response response, JsonNode body) {
        if (body.isArray()) {
            return new FileResult.Failed(malformed(response, "the path is a directory, not a file"));
        }
        if (!"file".equals(body.path("type").asText())) {
            return new FileResult.Failed(malformed(response, "the path is a " + body.path("type").asText("?") + ", not a file"));
        }
        String encoding = body.path("encoding").asText("");
        if (!"base64".equals(encoding)) {
            return new FileResult.Failed(malformed(response, "file content not returned (encoding \"" + encoding + "\"); too large?"));
        }
        byte[] content;
        try {
            content = Base64.getMimeDecoder().decode(body.path("content").asText(""));
        } catch (IllegalArgumentException e) {
            return new FileResult.Failed(malformed(response, "file content is not valid base64"));
        }
        return new FileResult.Found(new String(content, StandardCharsets.UTF_8), body.path("sha").asText(""));
    }

    /** A contents answer read with an installation's own token: a file, a directory listing, or neither. */
    static ContentsResult contentsOf(Response response) throws CallFailed {
        JsonNode body = parseJson(response);
        if (body.isArray()) {
            List<ContentsResult.Entry> entries = new ArrayList<>();
            for (JsonNode entry : body) {
                entries.add(new ContentsResult.Entry(entry.path("type").asText(""), entry.path("name").asText(""),
                        entry.path("path").asText("")));
            }
            return new ContentsResult.Directory(entries);
        }
        String type = body.path("type").asText("");
        if (!type.equals("file")) {
            return new ContentsResult.NotAFile(type);
        }
        return switch (fileOf(response, body)) {
            case FileResult.Found(String text, String blobSha) -> new ContentsResult.File(text, blobSha);
            case FileResult.Failed(GitHubError error) -> new ContentsResult.Failed(error);
            case FileResult.Missing() -> new ContentsResult.Missing();
        };
    }

    /** The files of a pull request files answer (a JSON array). */
    static List<ChangedFile> pullRequestFiles(Response response) throws CallFailed {
        JsonNode list = parseJson(response);
        if (!list.isArray()) {
            throw new CallFailed(malformed(response, "the pull request files are not a JSON array"));
        }
        return changedFiles(list);
    }

    /** The files of a comparison answer (a JSON object with {@code files}). */
    static List<ChangedFile> comparedFiles(Response response) throws CallFailed {
        JsonNode body = parseJson(response);
        if (!body.isObject()) {
            throw new CallFailed(malformed(response, "the comparison is not a JSON object"));
        }
        return changedFiles(body.path("files"));
    }

    private static List<ChangedFile> changedFiles(JsonNode list) {
        List<ChangedFile> files = new ArrayList<>();
        for (JsonNode file : list) {
            String filename = file.path("filename").asText("");
            if (!filename.isEmpty()) {
                files.add(new ChangedFile(filename, file.path("status").asText("")));
            }
        }
        return files;
    }
}
