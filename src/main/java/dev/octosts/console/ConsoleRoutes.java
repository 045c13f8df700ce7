package dev.octosts.console;

import dev.octosts.config.ConsoleSettings;
import dev.octosts.exchange.AuditRead;
import dev.octosts.exchange.AuditReaders;
import dev.octosts.exchange.Outcome;
import dev.octosts.exchange.Refusal;
import dev.octosts.ledger.LedgerSearch;
import dev.octosts.ledger.RecordProof;
import dev.octosts.oidc.VerifiedToken;
import io.helidon.http.HeaderNames;
import io.helidon.http.SetCookie;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;

/**
 * The audit console under {@code /console/} on the admin listener: sign-in at the organisation's provider,
 * then the overview, search, record pages and exports. Every page view and export by a signed-in person is
 * checked against the audit readers' policy and recorded in the ledger before anything is shown, as
 * {@code /audit/records} reads are; the one state-changing request (sign-out) must carry the session's
 * CSRF token.
 */
public final class ConsoleRoutes {
    /** The console's paths, as span and metric route names. */
    public static final Set<String> PATHS = Set.of("/console", "/console/", "/console/style.css", "/console/signin",
            "/console/login", "/console/callback", "/console/logout", "/console/search", "/console/record",
            "/console/export");
    private static final String LOGIN_COOKIE = "octosts_console_login";
    private static final int MAX_FORM_BYTES = 4096;

    static final int MAX_CONCURRENT_READS = 2;

    private final ConsoleSettings settings;
    private final AuditReaders readers;
    private final Sessions sessions;
    private final OidcSignIn signIn;
    private final Pages pages;
    private final Clock clock;
    /** Pages being read at once; more are answered 503 at once rather than queued for the database. */
    private final Semaphore reads = new Semaphore(MAX_CONCURRENT_READS);

    public ConsoleRoutes(ConsoleSettings settings, AuditReaders readers, LedgerSearch search, RecordProof proof,
                         Clock clock) {
        this.settings = settings;
        this.readers = readers;
        this.sessions = new Sessions(clock);
        this.signIn = new OidcSignIn(settings, clock);
        this.pages = new Pages(search, proof, clock);
        this.clock = clock;
    }

    /** What one page shows a signed-in reader; its text is escaped HTML. */
    private interface View {
        void serve(ServerRequest req, ServerResponse res, Viewer viewer);
    }

    public void register(HttpRouting.Builder routing) {
        routing.get("/console", (req, res) -> redirect(res, "/console/"))
                .get("/console/style.css", (req, res) -> {
                    secureHeaders(res);
                    res.header(HeaderNames.CONTENT_TYPE, "text/css; charset=utf-8");
                    res.send(Html.STYLE);
                })
                .get("/console/signin", (req, res) -> html(res, Status.OK_200, Html.plain("Sign in",
                        "<p>Audit records are shown to audit readers only, after sign-in at "
                                + Html.text(settings.issuer()) + ".</p><p><a class=\"button\" href=\"/console/login\">"
                                + "Sign in</a></p>")))
                .get("/console/login", this::login)
                .get("/console/callback", this::callback)
                .post("/console/logout", this::logout)
                .get("/console/", (req, res) -> view(req, res, "console/overview", pages::overview))
                .get("/console/search", (req, res) -> view(req, res, "console/search", pages::search))
                .get("/console/record", (req, res) -> view(req, res, "console/record", pages::record))
                .get("/console/export", (req, res) -> view(req, res, "console/export", pages::export));
    }

    private void view(ServerRequest req, ServerResponse res, String operation, View view) {
        Optional<Viewer> viewer = sessions.find(cookie(req, Sessions.COOKIE));
        if (viewer.isEmpty()) {
            secureHeaders(res);
            redirect(res, "/console/signin");
            return;
        }
        String what = req.query().rawValue().isEmpty() ? "all" : req.query().rawValue();
        if (authorize(req, operation, what, viewer.get().idToken()) instanceof Outcome.Refused<Void>(Refusal refusal)) {
            refused(res, refusal);
            return;
        }
        // The console reads through the pool the ledger writer borrows from: a few pages at a time, never more.
        if (!reads.tryAcquire()) {
            html(res, Status.SERVICE_UNAVAILABLE_503, Html.page("Busy", viewer.get(),
                    "<p class=\"notice\">The console is answering other pages; try again in a moment.</p>"));
            return;
        }
        try {
            view.serve(req, res, viewer.get());
        } catch (IllegalArgumentException e) {
            html(res, Status.BAD_REQUEST_400, Html.page("Not understood", viewer.get(),
                    "<p class=\"notice\">" + Html.text(e.getMessage()) + "</p>"));
        } finally {
            reads.release();
        }
    }

    private Outcome<Void> authorize(ServerRequest req, String operation, String what, VerifiedToken idToken) {
        String requestId = UUID.randomUUID().toString();
        String userAgent = req.headers().first(HeaderNames.USER_AGENT).orElse("");
        String remote = req.remotePeer().address() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress() : String.valueOf(req.remotePeer().address());
        return readers.authorizeSignedIn(new AuditRead(requestId, List.of(), operation, what, remote, userAgent),
                idToken, settings.clientId());
    }

    private void login(ServerRequest req, ServerResponse res) {
        secureHeaders(res);
        OidcSignIn.Start start;
        try {
            start = signIn.start();
        } catch (OidcSignIn.SignInFailed e) {
            html(res, Status.SERVICE_UNAVAILABLE_503, Html.plain("Sign-in unavailable",
                    "<p class=\"notice\">" + Html.text(e.getMessage()) + "</p>"));
            return;
        }
        // Lax, not Strict: the provider's redirect back is a cross-site navigation that must carry it.
        res.headers().addCookie(SetCookie.builder(LOGIN_COOKIE, start.browser()).path("/console/callback")
                .httpOnly(true).secure(true).sameSite(SetCookie.SameSite.LAX).maxAge(Duration.ofMinutes(10)).build());
        res.status(Status.SEE_OTHER_303);
        res.header(HeaderNames.LOCATION, start.location().toString());
        res.send();
    }

    private void callback(ServerRequest req, ServerResponse res) {
        VerifiedToken idToken;
        try {
            idToken = signIn.finish(req.query().rawValue(), cookie(req, LOGIN_COOKIE));
        } catch (OidcSignIn.SignInFailed e) {
            html(res, Status.BAD_REQUEST_400, Html.plain("Sign-in failed", "<p class=\"notice\">"
                    + Html.text(e.getMessage()) + "</p><p><a href=\"/console/login\">Sign in again</a></p>"));
            return;
        }
        res.headers().clearCookie(SetCookie.builder(LOGIN_COOKIE, "").path("/console/callback").build());
        if (authorize(req, "console/sign-in", "all", idToken) instanceof Outcome.Refused<Void>(Refusal refusal)) {
            refused(res, refusal);
            return;
        }
        String name = displayName(idToken);
        String session = sessions.start(new Viewer(idToken, name, Sessions.randomToken(), clock.instant()));
        res.headers().addCookie(SetCookie.builder(Sessions.COOKIE, session).path("/console")
                .httpOnly(true).secure(true).sameSite(SetCookie.SameSite.STRICT).build());
        // A page of our own, not a redirect: a Strict cookie set during the provider's cross-site redirect is
        // not sent until the browser navigates from a page of this site.
        html(res, Status.OK_200, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta http-equiv=\"refresh\" content=\"0;url=/console/\"><title>Signed in</title>"
                + "<link rel=\"stylesheet\" href=\"/console/style.css\"></head><body><main><p>Signed in as "
                + Html.text(name) + ". <a href=\"/console/\">Continue to the overview</a></p></main></body></html>");
    }

    private void logout(ServerRequest req, ServerResponse res) {
        String id = cookie(req, Sessions.COOKIE);
        Optional<Viewer> viewer = sessions.find(id);
        Map<String, String> form = form(req);
        if (viewer.isEmpty() || !Sessions.sameToken(viewer.get().csrf(), form.get("csrf"))) {
            html(res, Status.FORBIDDEN_403, Html.plain("Refused", "<p class=\"notice\">This request did not come"
                    + " from a console page of your session (its CSRF token is missing or wrong).</p>"));
            return;
        }
        sessions.end(id);
        res.headers().clearCookie(SetCookie.builder(Sessions.COOKIE, "").path("/console").build());
        secureHeaders(res);
        redirect(res, "/console/signin");
    }

    private void refused(ServerResponse res, Refusal refusal) {
        html(res, Status.create(refusal.code().httpStatus()), Html.plain("Not an audit reader",
                "<p class=\"notice\">" + Html.text(refusal.message()) + "</p>"
                        + "<p>The console shows the ledger to those the audit readers' policy admits.</p>"));
    }

    private static String displayName(VerifiedToken token) {
        for (String claim : List.of("email", "preferred_username", "name")) {
            if (token.claims().get(claim) instanceof String value && !value.isBlank()) {
                return value;
            }
        }
        return token.subject();
    }

    private static String cookie(ServerRequest req, String name) {
        return req.headers().cookies().first(name).orElse(null);
    }

    /** An {@code application/x-www-form-urlencoded} body of at most {@link #MAX_FORM_BYTES} bytes. */
    private static Map<String, String> form(ServerRequest req) {
        Map<String, String> values = new HashMap<>();
        byte[] body;
        try (var in = req.content().inputStream()) {
            body = in.readNBytes(MAX_FORM_BYTES + 1);
        } catch (java.io.IOException e) {
            return values;
        }
        if (body.length > MAX_FORM_BYTES) {
            return values;
        }
        for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                try {
                    values.putIfAbsent(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    // a malformed pair counts as absent
                }
            }
        }
        return values;
    }

    static void secureHeaders(ServerResponse res) {
        res.header(HeaderNames.create("Content-Security-Policy"), Html.CONTENT_SECURITY_POLICY);
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.create("X-Frame-Options"), "DENY");
    }

    static void html(ServerResponse res, Status status, String page) {
        secureHeaders(res);
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        res.send(page);
    }

    private static void redirect(ServerResponse res, String location) {
        res.status(Status.SEE_OTHER_303);
        res.header(HeaderNames.LOCATION, location);
        res.send();
    }
}
