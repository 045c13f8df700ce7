package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;

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
            8.8.8.8          | public
            172.32.0.1       | public
            100.128.0.1      | public
            2606:4700::1111  | public
            2002:808:808::1  | public
            """)
    void classifiesAddresses(String literal, String expected) throws Exception {
        String reason = PrivateAddresses.reason(InetAddress.getByName(literal));

        if (expected == null) {
            assertThat(reason).isNull();
        } else {
            assertThat(reason).contains(expected);
        }
    }
}
