package dev.octosts.oidc;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * GETs small JSON documents (discovery, JWKS) from URLs that an attacker may choose, since the issuer
 * comes from an unverified token.
 *
 * <ul>
 *   <li>One {@link HttpClient} per instance, HTTP/1.1, automatic redirects off. Up to
 *       {@value #MAX_REDIRECTS} redirects are followed by hand; every {@code Location} is checked again with
 *       {@link FetchTargets} and the address check below before anything is sent to it.</li>
 *   <li>Before each request the host is resolved, and the request is refused if ANY of its addresses is
 *       private ({@link PrivateAddresses}), unless the host is in {@code privateNetworkHosts}.</li>
 *   <li>Only 200 is accepted. Bodies are capped at {@value #MAX_BODY_BYTES} bytes: a larger
 *       {@code Content-Length} is refused at once and a body without one is read only up to the cap.</li>
 *   <li>Connect timeout from the settings; the read timeout bounds each whole request including its body.</li>
 * </ul>
 *
 * <p>Residual risk, DNS rebinding: the JDK client resolves the host again when it connects and offers no
 * hook to pin or re-check the address it dials (Go's Octo STS checks in {@code net.Dialer.Control}). A name
 * whose DNS answer changes between our check and the connect (TTL 0, alternating answers) can therefore
 * still reach a private address. The JVM's own positive DNS cache (30 s by default,
 * {@code networkaddress.cache.ttl}) usually serves the second lookup from the first answer, which narrows
 * but does not close the window. Deployments that need a hard guarantee should also block private ranges
 * at the network layer (egress policy) for this process.
 */
final class SafeFetcher implements AutoCloseable {
    static final int MAX_BODY_BYTES = 100 * 1024;
    static final int MAX_REDIRECTS = 3;

    private final HttpClient client;
    private final Set<String> privateNetworkHosts;
    private final Duration readTimeout;

    SafeFetcher(Set<String> privateNetworkHosts, Duration connectTimeout, Duration readTimeout) {
        this.privateNetworkHosts = Set.copyOf(privateNetworkHosts);
        this.readTimeout = readTimeout;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .build();
    }

    /** Thrown with a detail that names the URL's origin and the problem; it never contains a token. */
    static final class FetchException extends Exception {
        FetchException(String detail) {
            super(detail, null, false, false);
        }
    }

    /** The body of a 200 response to GET {@code url}, after at most {@value #MAX_REDIRECTS} checked redirects. */
    byte[] get(URI url) throws FetchException {
        URI current = url;
        for (int redirects = 0; ; redirects++) {
            checkTarget(current);
            HttpResponse<byte[]> response = send(current);
            int status = response.statusCode();
            if (isRedirect(status)) {
                if (redirects == MAX_REDIRECTS) {
                    throw new FetchException("more than " + MAX_REDIRECTS + " redirects, last from " + origin(current));
                }
                String location = response.headers().firstValue("Location").orElse(null);
                if (location == null) {
                    throw new FetchException("redirect " + status + " without Location from " + origin(current));
                }
                current = resolve(current, location);
                continue;
            }
            if (status != 200) {
                throw new FetchException("HTTP status " + status + " from " + origin(current));
            }
            return response.body();
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static URI resolve(URI base, String location) throws FetchException {
        try {
            return base.resolve(new URI(location));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new FetchException("redirect from " + origin(base) + " to an invalid Location \""
                    + Text.printable(location, 200) + "\"");
        }
    }

    /** URL rules, then name resolution and the private-address rule; nothing is sent before this passes. */
    private void checkTarget(URI url) throws FetchException {
        String problem = FetchTargets.problem(url);
        if (problem != null) {
            throw new FetchException("refused URL \"" + Text.printable(url.toString(), 200) + "\": " + problem);
        }
        String host = FetchTargets.hostOf(url);
        if (privateNetworkHosts.contains(host)) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new FetchException("cannot resolve host " + Text.printable(host, 200));
        }
        for (InetAddress address : addresses) {
            String reason = PrivateAddresses.reason(address);
            if (reason != null) {
                throw new FetchException("refused host " + Text.printable(host, 200) + ": it resolves to "
                        + address.getHostAddress() + ", a " + reason + " address");
            }
        }
    }

    private HttpResponse<byte[]> send(URI url) throws FetchException {
        CompletableFuture<HttpResponse<byte[]>> pending;
        try {
            HttpRequest request = HttpRequest.newBuilder(FetchTargets.normalized(url))
                    .timeout(readTimeout)
                    .header("Accept", "application/json")
                    .GET()
                    .build();
            pending = client.sendAsync(request, SafeFetcher::bodyHandler);
        } catch (IllegalArgumentException e) {
            throw new FetchException("the HTTP client refuses the URL of " + origin(url));
        }
        try {
            return pending.get(readTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new FetchException("no complete response within " + readTimeout.toMillis() + " ms from "
                    + origin(url));
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new FetchException("interrupted while fetching from " + origin(url));
        } catch (ExecutionException e) {
            throw new FetchException(describe(e.getCause()) + " from " + origin(url));
        }
    }

    private static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BodyTooLarge tooLarge) {
                return tooLarge.getMessage();
            }
            if (t instanceof HttpConnectTimeoutException) {
                return "connect timeout";
            }
            if (t instanceof HttpTimeoutException) {
                return "read timeout";
            }
            if (t instanceof ConnectException) {
                return "connection refused";
            }
        }
        return failure instanceof IOException ? "I/O error (" + failure.getClass().getSimpleName() + ")"
                : "request failed (" + failure.getClass().getSimpleName() + ")";
    }

    private static String origin(URI url) {
        return Text.printable(url.getScheme() + "://" + url.getRawAuthority(), 200);
    }

    /** Only a 200 body is read, with the cap; any other body is dropped by closing the exchange. */
    private static HttpResponse.BodySubscriber<byte[]> bodyHandler(HttpResponse.ResponseInfo info) {
        if (info.statusCode() != 200) {
            return new CappedBody(0, true);
        }
        OptionalLong declared = info.headers().firstValueAsLong("Content-Length");
        if (declared.isPresent() && declared.getAsLong() > MAX_BODY_BYTES) {
            return new CappedBody(MAX_BODY_BYTES, false).refuse(
                    "response declares " + declared.getAsLong() + " bytes, more than the " + MAX_BODY_BYTES + " allowed");
        }
        return new CappedBody(MAX_BODY_BYTES, false);
    }

    private static final class BodyTooLarge extends IOException {
        BodyTooLarge(String message) {
            super(message, null);
        }
    }

    /**
     * Collects at most {@code cap} bytes, cancelling the subscription (which closes the connection) as soon
     * as more arrive. With {@code discard}, cancels at once and yields an empty body.
     */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final int cap;
        private final boolean discard;
        private String refusal;
        private byte[] buffer = new byte[1024];
        private int size;
        private Flow.Subscription subscription;

        CappedBody(int cap, boolean discard) {
            this.cap = cap;
            this.discard = discard;
        }

        CappedBody refuse(String reason) {
            this.refusal = reason;
            return this;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (refusal != null) {
                s.cancel();
                body.completeExceptionally(new BodyTooLarge(refusal));
            } else if (discard) {
                s.cancel();
                body.complete(new byte[0]);
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                int n = item.remaining();
                if (size + n > cap) {
                    subscription.cancel();
                    body.completeExceptionally(new BodyTooLarge("response body is larger than the " + cap
                            + " bytes allowed"));
                    return;
                }
                if (size + n > buffer.length) {
                    buffer = java.util.Arrays.copyOf(buffer, Math.min(cap, Math.max(buffer.length * 2, size + n)));
                }
                item.get(buffer, size, n);
                size += n;
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable throwable) {
            body.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            body.complete(java.util.Arrays.copyOf(buffer, size));
        }
    }

    @Override
    public void close() {
        client.shutdownNow();
    }
}
