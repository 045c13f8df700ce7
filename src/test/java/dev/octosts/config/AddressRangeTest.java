package dev.octosts.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddressRangeTest {
    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.0.0.0/8, 10.200.3.4, true",
            "10.0.0.0/8, 11.0.0.1, false",
            "192.168.1.7, 192.168.1.7, true",
            "192.168.1.7, 192.168.1.8, false",
            "172.16.0.0/12, 172.31.255.255, true",
            "172.16.0.0/12, 172.32.0.0, false",
            "fd00::/8, fd12:3456::1, true",
            "fd00::/8, fe80::1, false",
            "0.0.0.0/0, 203.0.113.9, true",
            "10.0.0.0/8, ::1, false",
    })
    void containment(String range, String address, boolean expected) {
        assertThat(AddressRange.parse(range).contains(AddressRange.literal(address))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "cafe", "10.0.0.0/33", "10.0.0.0/x", "::1/129", "1.2.3", ""})
    void anythingButALiteralRangeIsRefusedWithoutADnsLookup(String text) {
        assertThatThrownBy(() -> AddressRange.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
