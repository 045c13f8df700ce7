package dev.octosts.github;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** API paths built from caller-supplied names, each segment percent-encoded so none can leave its place. */
final class GitHubPaths {
    private GitHubPaths() {
    }

    /** {@code /repos/{owner}/{repo}} with both names percent-encoded, or empty. */
    static Optional<String> repoPath(String owner, String repo) {
        if (!isNameSegment(owner) || !isNameSegment(repo)) {
            return Optional.empty();
        }
        return Optional.of("/repos/" + encodeSegment(owner) + "/" + encodeSegment(repo));
    }

    /** {@code /repos/{owner}/{repo}/contents/{path}} with every segment percent-encoded, or empty. */
    static Optional<String> contentsPath(String owner, String repo, String path) {
        Optional<String> repoPath = repoPath(owner, repo);
        if (repoPath.isEmpty() || path == null) {
            return Optional.empty();
        }
        StringBuilder url = new StringBuilder(repoPath.get()).append("/contents");
        for (String segment : path.split("/", -1)) {
            if (!isNameSegment(segment)) {
                return Optional.empty();
            }
            url.append('/').append(encodeSegment(segment));
        }
        return Optional.of(url.toString());
    }

    private static boolean isNameSegment(String segment) {
        return segment != null && !segment.isEmpty() && !segment.equals(".") && !segment.equals("..");
    }

    /** RFC 3986: everything but unreserved characters is percent-encoded (so '/', '?', '#' cannot escape). */
    static String encodeSegment(String segment) {
        StringBuilder out = new StringBuilder(segment.length() + 8);
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
