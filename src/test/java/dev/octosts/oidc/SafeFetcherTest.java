package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
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
}
