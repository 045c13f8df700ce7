package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Where a fetch connects. Host names are answered by {@link ScriptedNames} through the JVM's own
 * resolver; every address used is a loopback address on this machine.
 */
class SafeFetcherTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    /** {@code ::ffff:a.b.c.d} as the 16-byte IPv6 address a DNS AAAA answer carries. */
    private static InetAddress mapped(String ipv4) throws UnknownHostException {
        byte[] v4 = InetAddress.getByName(ipv4).getAddress();
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        return Inet6Address.getByAddress(null, v6, -1);
    }

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }

    @Test
    void aNameWhoseDnsAnswerIsAnIpv4MappedLoopbackAddressIsRefusedBeforeConnecting() throws Exception {
        try (LoopbackListener loopback = LoopbackListener.counting("127.0.0.2");
                SafeFetcher fetcher = new SafeFetcher(Set.of(), CONNECT_TIMEOUT, READ_TIMEOUT)) {
            ScriptedNames.script("mapped-loopback.test", List.of(mapped("127.0.0.2")));
            URI url = URI.create("https://mapped-loopback.test:" + loopback.port() + "/.well-known/openid-configuration");

            assertThatThrownBy(() -> fetcher.get(url))
                    .isInstanceOf(SafeFetcher.FetchException.class)
                    .hasMessageContaining("refused host mapped-loopback.test")
                    .hasMessageContaining("loopback");
            assertThat(loopback.accepted()).isZero();
        }
    }

    @Test
    void aNameThatAnswersDifferentlyOnItsSecondLookupCannotMoveTheConnection() throws Exception {
        // First answer passes the address check, the second points elsewhere on loopback. Upper case makes
        // the HTTP client's own lookup miss the JVM's address cache, as an attacker would do.
        try (LoopbackListener second = LoopbackListener.counting("127.0.0.4");
                SafeFetcher fetcher = new SafeFetcher(Set.of(), CONNECT_TIMEOUT, READ_TIMEOUT)) {
            ScriptedNames.script("rebinding.test", List.of(mapped("127.0.0.3")), List.of(ip("127.0.0.4")));
            URI url = URI.create("https://Rebinding.TEST:" + second.port() + "/jwks");

            assertThatThrownBy(() -> fetcher.get(url)).isInstanceOf(SafeFetcher.FetchException.class);
            assertThat(second.accepted()).isZero();
            assertThat(ScriptedNames.lookups("rebinding.test")).isEqualTo(1);
        }
    }

    @Test
    void theConnectionGoesToTheAddressThatWasResolvedAndCheckedOnce() throws Exception {
        // An allowed private host, so that both answers may be dialled: only the first one is.
        try (LoopbackListener first = LoopbackListener.counting("127.0.0.5");
                LoopbackListener second = LoopbackListener.counting("127.0.0.6", first.port());
                SafeFetcher fetcher = new SafeFetcher(Set.of("pinned.test"), CONNECT_TIMEOUT, READ_TIMEOUT)) {
            ScriptedNames.script("pinned.test", List.of(ip("127.0.0.5")), List.of(ip("127.0.0.6")));
            URI url = URI.create("https://Pinned.TEST:" + first.port() + "/jwks");

            assertThatThrownBy(() -> fetcher.get(url)).isInstanceOf(SafeFetcher.FetchException.class);
            assertThat(first.accepted()).isPositive();
            assertThat(second.accepted()).isZero();
            assertThat(ScriptedNames.lookups("pinned.test")).isEqualTo(1);
        }
    }

    @Test
    void noProxyIsUsedWhateverTheJvmProxySelectorSays() throws Exception {
        ProxySelector before = ProxySelector.getDefault();
        AtomicInteger asked = new AtomicInteger();
        try (LoopbackListener proxy = LoopbackListener.counting("127.0.0.1");
                LoopbackListener issuer = LoopbackListener.serving("127.0.0.1", "{\"keys\":[]}")) {
            ProxySelector.setDefault(new ProxySelector() {
                @Override
                public List<Proxy> select(URI uri) {
                    asked.incrementAndGet();
                    // "socket://" is how a plain java.net.Socket asks; it would then speak SOCKS to the proxy.
                    Proxy.Type type = uri.getScheme().equals("socket") ? Proxy.Type.SOCKS : Proxy.Type.HTTP;
                    return List.of(new Proxy(type, new InetSocketAddress("127.0.0.1", proxy.port())));
                }

                @Override
                public void connectFailed(URI uri, SocketAddress address, IOException failure) {
                }
            });
            try (SafeFetcher fetcher = new SafeFetcher(Set.of("127.0.0.1"), CONNECT_TIMEOUT, READ_TIMEOUT)) {
                byte[] body = fetcher.get(URI.create("http://127.0.0.1:" + issuer.port() + "/jwks"));

                assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("{\"keys\":[]}");
            }
            assertThat(proxy.accepted()).isZero();
            assertThat(asked).hasValue(0);
            assertThat(issuer.accepted()).isEqualTo(1);
        } finally {
            ProxySelector.setDefault(before);
        }
    }

    @Test
    void noProxyIsUsedWhateverTheJvmProxyPropertiesSay() throws Exception {
        List<String> names = List.of("http.proxyHost", "http.proxyPort", "https.proxyHost", "https.proxyPort",
                "socksProxyHost", "socksProxyPort", "http.nonProxyHosts", "socksNonProxyHosts");
        Map<String, String> before = new HashMap<>();
        names.forEach(name -> before.put(name, System.getProperty(name)));
        try (LoopbackListener proxy = LoopbackListener.counting("127.0.0.1");
                LoopbackListener issuer = LoopbackListener.serving("127.0.0.1", "{\"keys\":[]}");
                SafeFetcher fetcher = new SafeFetcher(Set.of("127.0.0.1"), CONNECT_TIMEOUT, READ_TIMEOUT)) {
            for (String scheme : List.of("http", "https", "socks")) {
                String prefix = scheme.equals("socks") ? "socksProxy" : scheme + ".proxy";
                System.setProperty(prefix + "Host", "127.0.0.1");
                System.setProperty(prefix + "Port", Integer.toString(proxy.port()));
            }
            // By default loopback targets skip the proxy; these settings send them to it too.
            System.setProperty("http.nonProxyHosts", "");
            System.setProperty("socksNonProxyHosts", "");

            byte[] body = fetcher.get(URI.create("http://127.0.0.1:" + issuer.port() + "/jwks"));

            assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("{\"keys\":[]}");
            assertThat(proxy.accepted()).isZero();
            assertThat(issuer.accepted()).isEqualTo(1);
        } finally {
            before.forEach((name, value) -> {
                if (value == null) {
                    System.clearProperty(name);
                } else {
                    System.setProperty(name, value);
                }
            });
        }
    }

    @Test
    void interruptingTheFetchingVirtualThreadAbortsTheRequestAtOnce() throws Exception {
        try (LoopbackListener silent = LoopbackListener.silent("127.0.0.1");
                SafeFetcher fetcher = new SafeFetcher(Set.of("127.0.0.1"), CONNECT_TIMEOUT, Duration.ofMinutes(5))) {
            AtomicReference<Exception> failure = new AtomicReference<>();
            Thread fetching = Thread.ofVirtual().start(() -> {
                try {
                    fetcher.get(URI.create("http://127.0.0.1:" + silent.port() + "/jwks"));
                } catch (SafeFetcher.FetchException e) {
                    failure.set(e);
                }
            });
            awaitConnection(silent);

            fetching.interrupt();

            assertThat(fetching.join(Duration.ofSeconds(30))).isTrue();
            assertThat(failure.get()).hasMessageContaining("interrupted while fetching from http://127.0.0.1:");
        }
    }

    @Test
    void closingTheFetcherAbortsItsRequestsInFlight() throws Exception {
        try (LoopbackListener silent = LoopbackListener.silent("127.0.0.1")) {
            SafeFetcher fetcher = new SafeFetcher(Set.of("127.0.0.1"), CONNECT_TIMEOUT, Duration.ofMinutes(5));
            AtomicReference<Exception> failure = new AtomicReference<>();
            Thread fetching = Thread.ofPlatform().start(() -> {
                try {
                    fetcher.get(URI.create("http://127.0.0.1:" + silent.port() + "/jwks"));
                } catch (SafeFetcher.FetchException e) {
                    failure.set(e);
                }
            });
            awaitConnection(silent);

            fetcher.close();

            assertThat(fetching.join(Duration.ofSeconds(30))).isTrue();
            assertThat(failure.get()).isInstanceOf(SafeFetcher.FetchException.class);
            assertThatThrownBy(() -> fetcher.get(URI.create("http://127.0.0.1:" + silent.port() + "/jwks")))
                    .hasMessageContaining("the fetcher is closed");
        }
    }

    @Test
    void aFetchBeyondThePermitsIsRefusedUnsentWhileASlowIssuerHoldsThem() throws Exception {
        try (LoopbackListener silent = LoopbackListener.silent("127.0.0.1");
                SafeFetcher fetcher = new SafeFetcher(Set.of("127.0.0.1"), CONNECT_TIMEOUT, Duration.ofMinutes(5),
                        javax.net.ssl.SSLContext.getDefault(), 1)) {
            Thread holding = Thread.ofVirtual().start(() -> {
                try {
                    fetcher.get(URI.create("http://127.0.0.1:" + silent.port() + "/slow"));
                } catch (SafeFetcher.FetchException expected) {
                    // interrupted below
                }
            });
            awaitConnection(silent);

            assertThatThrownBy(() -> fetcher.get(URI.create("http://127.0.0.1:" + silent.port() + "/next")))
                    .isInstanceOf(SafeFetcher.TooManyFetches.class);
            assertThat(silent.accepted()).as("the refused fetch opened no connection").isEqualTo(1);
            holding.interrupt();
            assertThat(holding.join(Duration.ofSeconds(30))).isTrue();
        }
    }

    private static void awaitConnection(LoopbackListener listener) throws InterruptedException {
        for (int i = 0; i < 3000 && listener.accepted() == 0; i++) {
            Thread.sleep(10);
        }
        assertThat(listener.accepted()).isEqualTo(1);
    }
}
