package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** IP literals only: InetAddress parses them without any DNS lookup. */
class PrivateAddressesTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "public", textBlock = """
            127.0.0.1        | loopback
            127.255.0.9      | loopback
            0.0.0.0          | unspecified
            0.1.2.3          | this-network
            10.1.2.3         | site-local
            172.16.0.1       | site-local
            172.31.255.255   | site-local
            192.168.1.1      | site-local
            169.254.169.254  | link-local
            100.64.0.1       | carrier-grade NAT
            100.127.255.255  | carrier-grade NAT
            224.0.0.1        | multicast
            240.0.0.1        | reserved
            198.18.0.1       | benchmarking
            192.0.2.1        | TEST-NET
            ::1              | loopback
            ::               | unspecified
            fe80::1          | link-local
            fc00::1          | unique-local
            fd12:3456::1     | unique-local
            ff02::1          | multicast
            ::ffff:10.1.2.3  | site-local
            ::10.1.2.3       | site-local (IPv4-compatible)
            64:ff9b::a01:203 | site-local (NAT64)
            2002:a01:203::1  | site-local (6to4)
            2001:db8::1      | documentation
            3fff::1          | documentation
            2001:2::1        | benchmarking
            8.8.8.8          | public
            172.32.0.1       | public
            100.128.0.1      | public
            2606:4700::1111  | public
            2002:808:808::1  | public
            172.15.255.255   | public
            172.32.0.0       | public
            192.169.0.1      | public
            169.253.255.255  | public
            169.255.0.1      | public
            100.63.255.255   | public
            192.0.0.1        | IETF reserved
            192.0.1.1        | public
            192.0.3.1        | public
            198.17.255.255   | public
            198.19.255.255   | benchmarking
            198.20.0.1       | public
            198.51.100.1     | TEST-NET
            198.51.101.1     | public
            203.0.113.9      | TEST-NET
            203.0.114.1      | public
            223.255.255.255  | public
            239.255.255.255  | multicast
            255.255.255.255  | reserved
            100::1           | discard-only
            100:0:0:1::1     | public
            fec0::1          | site-local
            febf::1          | link-local
            2001:db9::1      | public
            2001:2:0:ffff::1 | benchmarking
            2001:2:1::1      | public
            3fff:fff::1      | documentation
            3fff:1000::1     | public
            64:ff9b:2::1     | public
            """)
    void classifiesAddresses(String literal, String expected) throws Exception {
        String reason = PrivateAddresses.reason(InetAddress.getByName(literal));

        if (expected == null) {
            assertThat(reason).isNull();
        } else {
            assertThat(reason).contains(expected);
        }
    }

    /**
     * IPv6 addresses that carry an IPv4 address, as a DNS AAAA answer delivers them: always the 16-byte
     * {@link Inet6Address} (the JDK turns only a typed {@code ::ffff:a.b.c.d} literal into IPv4, never a
     * resolved one). Each form is judged by the IPv4 address inside it.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "public", textBlock = """
            ::ffff:127.0.0.2               | loopback (IPv4-mapped)
            ::ffff:10.1.2.3                | site-local (IPv4-mapped)
            ::ffff:169.254.169.254         | link-local (IPv4-mapped)
            ::ffff:100.64.0.1              | carrier-grade NAT
            ::ffff:0.0.0.0                 | unspecified
            ::ffff:8.8.8.8                 | public
            ::ffff:0:127.0.0.1             | loopback (IPv4-translated)
            ::ffff:0:8.8.8.8               | public
            ::127.0.0.2                    | loopback (IPv4-compatible)
            ::192.168.0.1                  | site-local (IPv4-compatible)
            ::8.8.8.8                      | deprecated IPv4-compatible
            64:ff9b::127.0.0.1             | loopback (NAT64)
            64:ff9b::10.0.0.1              | site-local (NAT64)
            64:ff9b::169.254.169.254       | link-local (NAT64)
            64:ff9b::8.8.8.8               | public
            64:ff9b:1::8.8.8.8             | NAT64 local-use
            64:ff9b:1:7f00:1::             | NAT64 local-use
            2002:7f00:2::1                 | loopback (6to4)
            2002:a9fe:a9fe::1              | link-local (6to4)
            2002:c0a8:1::                  | site-local (6to4)
            2002:808:808::1                | public
            2001:0:808:808::80ff:fffd      | loopback (Teredo client)
            2001:0:808:808::5601:5601      | link-local (Teredo client)
            2001:0:808:808:8000:ffff:f5fe:fffe | site-local (Teredo client)
            2001:0:a00:1::f7f7:f7f7        | site-local (Teredo server)
            2001:0:7f00:1::f7f7:f7f7       | loopback (Teredo server)
            2001:0:808:808::f7f7:f7f7      | public
            """)
    void classifiesIpv4EmbeddedInIpv6(String literal, String expected) throws Exception {
        String reason = PrivateAddresses.reason(sixteenBytes(literal));

        if (expected == null) {
            assertThat(reason).isNull();
        } else {
            assertThat(reason).contains(expected);
        }
    }

    private static Inet6Address sixteenBytes(String literal) throws Exception {
        InetAddress parsed = InetAddress.getByName(literal);
        if (parsed instanceof Inet6Address v6) {
            return v6;
        }
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(((Inet4Address) parsed).getAddress(), 0, v6, 12, 4);
        return Inet6Address.getByAddress(null, v6, -1);
    }
}
