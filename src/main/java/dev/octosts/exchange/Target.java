package dev.octosts.exchange;

import java.util.List;

/**
 * Where a scope points: the owner, the repository holding the trust policy, and the repositories the
 * token may be limited to. Parsing follows Octo STS, which uses Go's {@code path.Dir} and
 * {@code path.Base}: {@code org/repo} is one repository, {@code org} is the org policy repository
 * (token not limited), {@code a/b/c} is owner {@code a/b} and repo {@code c}.
 *
 * @param repositories null when the token is not limited to named repositories
 */
record Target(String owner, String repo, boolean orgPolicy, List<String> repositories) {

    static Target parse(String scope, String orgPolicyRepo) {
        String owner = GoPath.dir(scope);
        String repo = GoPath.base(scope);
        if (owner.equals(".")) {
            return new Target(repo, orgPolicyRepo, true, null);
        }
        // A case-sensitive comparison, as in Octo STS: only the exact org policy repo takes org policies.
        return new Target(owner, repo, repo.equals(orgPolicyRepo), List.of(repo));
    }

    /** Go's {@code path} package functions that Octo STS applies to the scope. */
    static final class GoPath {
        private GoPath() {
        }

        static String base(String path) {
            if (path.isEmpty()) {
                return ".";
            }
            int end = path.length();
            while (end > 0 && path.charAt(end - 1) == '/') {
                end--;
            }
            if (end == 0) {
                return "/";
            }
            String trimmed = path.substring(0, end);
            return trimmed.substring(trimmed.lastIndexOf('/') + 1);
        }

        static String dir(String path) {
            return clean(path.substring(0, path.lastIndexOf('/') + 1));
        }

        static String clean(String path) {
            if (path.isEmpty()) {
                return ".";
            }
            boolean rooted = path.startsWith("/");
            java.util.ArrayDeque<String> out = new java.util.ArrayDeque<>();
            for (String element : path.split("/")) {
                if (element.isEmpty() || element.equals(".")) {
                    continue;
                }
                if (element.equals("..")) {
                    if (!out.isEmpty() && !out.peekLast().equals("..")) {
                        out.removeLast();
                    } else if (!rooted) {
                        out.addLast("..");
                    }
                } else {
                    out.addLast(element);
                }
            }
            String joined = String.join("/", out);
            if (rooted) {
                return "/" + joined;
            }
            return joined.isEmpty() ? "." : joined;
        }
    }
}
