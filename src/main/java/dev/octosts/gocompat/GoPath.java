package dev.octosts.gocompat;

import java.util.ArrayDeque;

/**
 * Go's {@code path} package functions that Octo STS applies to a scope ({@code path.Dir}, {@code path.Base},
 * {@code path.Clean}). Owns nothing else; depends on nothing of ours.
 */
public final class GoPath {
    private GoPath() {
    }

    public static String base(String path) {
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

    public static String dir(String path) {
        return clean(path.substring(0, path.lastIndexOf('/') + 1));
    }

    public static String clean(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.startsWith("/");
        ArrayDeque<String> out = new ArrayDeque<>();
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
