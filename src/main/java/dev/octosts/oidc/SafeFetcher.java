package dev.octosts.oidc;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * GETs small JSON documents (discovery, JWKS) from URLs that an attacker may choose, since the issuer
 * comes from an unverified token.
 *
 * <ul>
 *   <li>Every request resolves its host once, refuses it if ANY of its addresses is private
 *       ({@link PrivateAddresses}, unless the host is in {@code privateNetworkHosts}), and then connects
 *       to exactly the first of those checked addresses ({@link PinnedGet}), so a second DNS answer
 *       (rebinding) is never asked for. TLS still sends the host name (SNI) and verifies the certificate
 *       against it.</li>
 *   <li>Never through a proxy, whatever the JVM's proxy settings say: a proxy would dial the address
 *       itself, unchecked.</li>
 *   <li>HTTP/1.1, a new connection per request, automatic redirects off. Up to {@value #MAX_REDIRECTS}
 *       redirects are followed by hand; every {@code Location} is checked again with {@link FetchTargets}
 *       and the address rule before anything is sent to it.</li>
 *   <li>Only 200 is accepted. Bodies are capped at {@value #MAX_BODY_BYTES} bytes: a larger
 *       {@code Content-Length} is refused at once and a body without one is read only up to the cap.</li>
 *   <li>Connect timeout from the settings; the read timeout bounds each whole request including its body
 *       (the connection is closed when it runs out).</li>
 * </ul>
 */
final class SafeFetcher implements AutoCloseable {
    static final int MAX_BODY_BYTES = 100 * 1024;
    static final int MAX_REDIRECTS = 3;
    /**
     * Fetches in flight at once, all issuers together. A stranger's issuer can answer slowly and hold a
     * fetch for its whole timeout; past this many, one more waits up to {@link #PERMIT_WAIT} and is then
     * refused, instead of piling up sockets and threads. Known issuers' documents are cached for hours,
     * so they rarely need a permit.
     */
    static final int MAX_FETCHES_IN_FLIGHT = 32;
    static final Duration PERMIT_WAIT = Duration.ofSeconds(1);

    private final Set<String> privateNetworkHosts;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final SSLSocketFactory tls;
    private final Set<PinnedGet> inFlight = ConcurrentHashMap.newKeySet();
    private final Semaphore permits;
    private volatile boolean closed;

    SafeFetcher(Set<String> privateNetworkHosts, Duration connectTimeout, Duration readTimeout) {
        this(privateNetworkHosts, connectTimeout, readTimeout, defaultTls());
    }

    /** With {@code tls} deciding which certificates are trusted (tests); host names are always verified. */
    SafeFetcher(Set<String> privateNetworkHosts, Duration connectTimeout, Duration readTimeout, SSLContext tls) {
        this(privateNetworkHosts, connectTimeout, readTimeout, tls, MAX_FETCHES_IN_FLIGHT);
    }

    SafeFetcher(Set<String> privateNetworkHosts, Duration connectTimeout, Duration readTimeout, SSLContext tls,
                int maxFetchesInFlight) {
        this.permits = new Semaphore(maxFetchesInFlight);
        this.privateNetworkHosts = Set.copyOf(privateNetworkHosts);
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.tls = tls.getSocketFactory();
    }

    private static SSLContext defaultTls() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no default TLS context", e);
        }
    }

    /** Thrown with a detail that names the URL's origin and the problem; it never contains a token. */
    static final class FetchException extends Exception {
        FetchException(String detail) {
            super(detail, null, false, false);
        }
    }

    /** Every fetch permit is taken: the caller is told to come back, not queued without end. */
    static final class TooManyFetches extends RuntimeException {
        TooManyFetches() {
            super("more than " + MAX_FETCHES_IN_FLIGHT + " OIDC fetches in flight", null, false, false);
        }
    }

    /**
     * The body of a 200 response to GET {@code url}, after at most {@value #MAX_REDIRECTS} checked redirects.
     *
     * @throws TooManyFetches when no fetch permit came free within {@link #PERMIT_WAIT}
     */
    byte[] get(URI url) throws FetchException {
        try {
            if (!permits.tryAcquire(PERMIT_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new TooManyFetches();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchException("interrupted while waiting to fetch from " + origin(url));
        }
        try {
            return getWithPermit(url);
        } finally {
            permits.release();
        }
    }

    private byte[] getWithPermit(URI url) throws FetchException {
        URI current = url;
        for (int redirects = 0; ; redirects++) {
            Pin pin = checkTarget(current);
            PinnedGet.Response answer = send(current, pin);
            int status = answer.status();
            if (isRedirect(status)) {
                if (redirects == MAX_REDIRECTS) {
                    throw new FetchException("more than " + MAX_REDIRECTS + " redirects, last from " + origin(current));
                }
                if (answer.location() == null) {
                    throw new FetchException("redirect " + status + " without Location from " + origin(current));
                }
                current = resolve(current, answer.location());
                continue;
            }
            if (status != 200) {
                throw new FetchException("HTTP status " + status + " from " + origin(current));
            }
            return answer.body();
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

    /**
     * URL rules, then one name resolution and the private-address rule; nothing is sent before this
     * passes, and the request may then connect only to the address returned.
     */
    private Pin checkTarget(URI url) throws FetchException {
        String problem = FetchTargets.problem(url);
        if (problem != null) {
            throw new FetchException("refused URL \"" + Text.printable(url.toString(), 200) + "\": " + problem);
        }
        String host = FetchTargets.hostOf(url);
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new FetchException("cannot resolve host " + Text.printable(host, 200));
        }
        if (!privateNetworkHosts.contains(host)) {
            for (InetAddress address : addresses) {
                String reason = PrivateAddresses.reason(address);
                if (reason != null) {
                    throw new FetchException("refused host " + Text.printable(host, 200) + ": it resolves to "
                            + address.getHostAddress() + ", a " + reason + " address");
                }
            }
        }
        return new Pin(host, addresses[0]);
    }

    /** A host name and the one checked address of it that its request connects to. */
    private record Pin(String host, InetAddress address) {
    }

    private PinnedGet.Response send(URI url, Pin pin) throws FetchException {
        PinnedGet request = new PinnedGet();
        inFlight.add(request);
        // The read timeout bounds the whole request: past it the connection is closed under the request.
        AtomicBoolean expired = new AtomicBoolean();
        Thread deadline = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(readTimeout);
                expired.set(true);
                request.close();
            } catch (InterruptedException finished) {
                // answered in time
            }
        });
        try {
            if (closed) {
                throw new FetchException("the fetcher is closed; not fetching from " + origin(url));
            }
            return request.get(url, pin.host(), pin.address(), tls, connectTimeout, readTimeout, MAX_BODY_BYTES);
        } catch (IOException | RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new FetchException("interrupted while fetching from " + origin(url));
            }
            if (expired.get()) {
                throw new FetchException("no complete response within " + readTimeout.toMillis() + " ms from "
                        + origin(url));
            }
            throw new FetchException(describe(e, request.connected()) + " from " + origin(url));
        } finally {
            deadline.interrupt();
            inFlight.remove(request);
            request.close();
        }
    }

    private static String describe(Exception failure, boolean connected) {
        if (failure instanceof PinnedGet.TooLarge || failure instanceof PinnedGet.Malformed) {
            return failure.getMessage();
        }
        if (failure instanceof SocketTimeoutException) {
            return connected ? "read timeout" : "connect timeout";
        }
        if (failure instanceof ConnectException) {
            return "connection refused";
        }
        return failure instanceof IOException ? "I/O error (" + failure.getClass().getSimpleName() + ")"
                : "request failed (" + failure.getClass().getSimpleName() + ")";
    }

    private static String origin(URI url) {
        return Text.printable(url.getScheme() + "://" + url.getRawAuthority(), 200);
    }

    /** Aborts the requests in flight and refuses new ones. */
    @Override
    public void close() {
        closed = true;
        inFlight.forEach(PinnedGet::close);
    }
}
