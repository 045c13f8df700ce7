package dev.octosts.dev;

import dev.octosts.dev.LocalOidcIssuer.Fault;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;

/**
 * How the local OpenID provider puts a document or an injected {@link Fault} on the wire: a redirect, a bare
 * status, a stalled or oversized body, or a hand-made one.
 */
final class LocalOidcFaultResponses {
    private LocalOidcFaultResponses() {
    }

    static void sendJson(ServerResponse res, String json) {
        res.header("Content-Type", "application/json");
        res.send(json);
    }

    /** Any fault but {@link Fault.WrongIssuer}, which changes the discovery document instead. */
    static void send(ServerResponse res, Fault fault) {
        switch (fault) {
            case Fault.Redirect redirect -> {
                res.status(302);
                res.header("Location", redirect.location());
                res.send();
            }
            case Fault.Status status -> {
                res.status(status.code());
                if (status.code() == 204 || status.code() == 304) {
                    res.send();
                } else {
                    res.send("fault " + status.code());
                }
            }
            case Fault.Oversized oversized -> sendOversized(res, oversized);
            case Fault.Stalled stalled -> sendStalled(res, stalled.pause());
            case Fault.Body body -> sendJson(res, body.json());
            case Fault.WrongIssuer wrong -> throw new IllegalStateException("handled by serveDiscovery");
        }
    }

    private static void sendStalled(ServerResponse res, Duration pause) {
        res.header("Content-Type", "application/json");
        try (OutputStream out = res.outputStream()) {
            out.write('{');
            out.flush();
            Thread.sleep(pause.toMillis());
            out.write('}');
        } catch (IOException | UncheckedIOException e) {
            // The client gave up waiting, which is the point of this fault.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Spaces inside a JSON object, so the body would be valid JSON if a reader swallowed all of it. */
    private static void sendOversized(ServerResponse res, Fault.Oversized oversized) {
        res.header("Content-Type", "application/json");
        if (oversized.declared()) {
            res.contentLength(oversized.bytes());
        }
        byte[] chunk = new byte[8192];
        Arrays.fill(chunk, (byte) ' ');
        try (OutputStream out = res.outputStream()) {
            out.write('{');
            long left = oversized.bytes() - 2L;
            while (left > 0) {
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                left -= n;
            }
            out.write('}');
        } catch (IOException | UncheckedIOException e) {
            // The client hung up once it had read enough, which is what the cap is supposed to do.
        }
    }
}
