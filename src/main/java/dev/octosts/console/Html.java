package dev.octosts.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The console's HTML: every value that came from a record, a token or a request goes through
 * {@link #text}, so nothing a caller sent can become markup. Pages load one stylesheet from the console
 * itself and no script at all (the Content-Security-Policy forbids both scripts and foreign sources).
 */
final class Html {
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self';"
            + " form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private Html() {
    }

    /** Text escaped for an element's content or a double-quoted attribute value. */
    static String text(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A query-string value. */
    static String param(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
    }

    /**
     * A whole page: the navigation, who is signed in with the sign-out form (carrying the session's CSRF
     * token), and {@code body}, which must already be escaped.
     */
    static String page(String title, Viewer viewer, String body) {
        StringBuilder out = new StringBuilder(body.length() + 1024);
        out.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(text(title)).append(" · octo-sts audit</title>")
                .append("<link rel=\"stylesheet\" href=\"/console/style.css\"></head><body>")
                .append("<header><nav><a class=\"brand\" href=\"/console/\">octo-sts audit</a>")
                .append("<a href=\"/console/\">Overview</a><a href=\"/console/search\">Search</a></nav>");
        if (viewer != null) {
            out.append("<form class=\"signout\" method=\"post\" action=\"/console/logout\">")
                    .append("<span class=\"who\">").append(text(viewer.name())).append("</span>")
                    .append("<input type=\"hidden\" name=\"csrf\" value=\"").append(text(viewer.csrf())).append("\">")
                    .append("<button type=\"submit\">Sign out</button></form>");
        }
        out.append("</header><main><h1>").append(text(title)).append("</h1>").append(body)
                .append("</main></body></html>");
        return out.toString();
    }

    /** A page without a session: sign-in, refusals. */
    static String plain(String title, String body) {
        return page(title, null, body);
    }

    static final String STYLE = """
            :root { --fg:#1d2430; --muted:#5b6575; --line:#d8dde5; --bg:#f6f7f9; --allow:#2e7d32; --deny:#c62828; --error:#ef6c00; }
            * { box-sizing: border-box; }
            body { margin:0; font:15px/1.45 system-ui, sans-serif; color:var(--fg); background:var(--bg); }
            header { display:flex; flex-wrap:wrap; justify-content:space-between; align-items:center; gap:.5rem;
                     padding:.6rem 1rem; background:#fff; border-bottom:1px solid var(--line); }
            nav a { margin-right:1rem; color:var(--fg); text-decoration:none; }
            nav a.brand { font-weight:700; }
            .signout { display:flex; gap:.5rem; align-items:center; margin:0; }
            .who { color:var(--muted); }
            main { padding:1rem; max-width:1200px; margin:0 auto; }
            h1 { font-size:1.4rem; margin:.2rem 0 1rem; }
            h2 { font-size:1.1rem; margin:1.5rem 0 .5rem; }
            table { border-collapse:collapse; width:100%; background:#fff; }
            th, td { text-align:left; padding:.35rem .5rem; border-bottom:1px solid var(--line); vertical-align:top;
                     overflow-wrap:anywhere; }
            th { color:var(--muted); font-weight:600; }
            .scroll { overflow-x:auto; }
            code, .mono { font-family:ui-monospace, monospace; font-size:.9em; }
            form.search { display:grid; grid-template-columns:repeat(auto-fill, minmax(220px, 1fr)); gap:.5rem;
                          background:#fff; padding:.8rem; border:1px solid var(--line); }
            form.search label { display:flex; flex-direction:column; font-size:.85rem; color:var(--muted); }
            input, select, button { font:inherit; padding:.3rem .4rem; }
            .decision-allow { color:var(--allow); font-weight:600; }
            .decision-deny { color:var(--deny); font-weight:600; }
            .decision-error { color:var(--error); font-weight:600; }
            .state-verified { color:var(--allow); font-weight:700; }
            .state-failed { color:var(--deny); font-weight:700; }
            .state-pending { color:var(--error); font-weight:700; }
            .pager { display:flex; gap:1rem; margin:.8rem 0; align-items:center; }
            .cards { display:grid; grid-template-columns:repeat(auto-fit, minmax(280px, 1fr)); gap:1rem; }
            .card { background:#fff; border:1px solid var(--line); padding:.8rem; }
            .chart { width:100%; height:auto; background:#fff; border:1px solid var(--line); }
            .legend span { margin-right:1rem; }
            .swatch-allow { color:var(--allow); } .swatch-deny { color:var(--deny); } .swatch-error { color:var(--error); }
            .notice { background:#fff; border-left:4px solid var(--deny); padding:.8rem; }
            """;
}
