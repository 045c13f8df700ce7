package dev.octosts.console;

import dev.octosts.oidc.VerifiedToken;
import java.time.Instant;

/**
 * Someone signed in to the console: their verified ID token (each page view is checked against the
 * readers' policy with it), the name shown, the CSRF token every state-changing form must carry, and
 * when the session began (for its absolute timeout).
 */
record Viewer(VerifiedToken idToken, String name, String csrf, Instant signedInAt) {
}
