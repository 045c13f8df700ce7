package dev.octosts.oidc;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Classifies addresses that a fetch must not reach unless its host is explicitly allowed: loopback,
 * RFC 1918 site-local, link-local (cloud metadata lives at 169.254.169.254), unique-local fc00::/7,
 * carrier-grade NAT 100.64/10, the unspecified address, multicast, and the other non-public IPv4 ranges
 * (0/8, 192.0.0/24, the TEST-NETs, 198.18/15 benchmarking, 240/4 reserved) and IPv6 documentation,
 * benchmarking and discard prefixes.
 *
 * <p>An IPv6 address that carries an IPv4 address reaches that IPv4 host (through the dual-stack socket,
 * a NAT64 gateway or a tunnel relay), so it is judged by the IPv4 address inside it: IPv4-mapped
 * {@code ::ffff:a.b.c.d} (a literal is unmapped by the JDK, but a DNS answer arrives as a 16-byte
 * {@link Inet6Address}), IPv4-translated {@code ::ffff:0:a.b.c.d}, IPv4-compatible {@code ::a.b.c.d},
 * NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16} and Teredo {@code 2001::/32} (its server address and
 * its client address, stored inverted; both must be public). The NAT64 local-use prefix
 * {@code 64:ff9b:1::/48} is refused whole: it belongs to a local network and its IPv4 position depends on
 * that network's prefix length.
 */
final class PrivateAddresses {
    private PrivateAddresses() {
    }

    /** Why {@code address} is not public, or {@code null} if it is. */
    static String reason(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return "loopback";
        }
        if (address.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (address.isLinkLocalAddress()) {
            return "link-local";
        }
        if (address.isSiteLocalAddress()) {
            return "site-local";
        }
        if (address.isMulticastAddress()) {
            return "multicast";
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return ipv4Reason(b);
        }
        if (address instanceof Inet6Address) {
            return ipv6Reason(b);
        }
        return "unknown address family";
    }

    private static String ipv4Reason(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        int a2 = b[2] & 0xff;
        if (a0 == 0) {
            return "this-network 0.0.0.0/8";
        }
        if (a0 == 127) {
            return "loopback";
        }
        if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)) {
            return "site-local";
        }
        if (a0 == 169 && a1 == 254) {
            return "link-local";
        }
        if (a0 == 100 && (a1 & 0xc0) == 64) {
            return "carrier-grade NAT 100.64.0.0/10";
        }
        if (a0 == 192 && a1 == 0 && (a2 == 0 || a2 == 2)) {
            return "IETF reserved 192.0.0.0/24 or TEST-NET-1";
        }
        if (a0 == 198 && (a1 == 18 || a1 == 19)) {
            return "benchmarking 198.18.0.0/15";
        }
        if ((a0 == 198 && a1 == 51 && a2 == 100) || (a0 == 203 && a1 == 0 && a2 == 113)) {
            return "TEST-NET";
        }
        if (a0 >= 224) {
            return a0 < 240 ? "multicast" : "reserved 240.0.0.0/4";
        }
        return null;
    }

    private static String ipv6Reason(byte[] b) {
        if ((b[0] & 0xfe) == 0xfc) {
            return "unique-local fc00::/7";
        }
        if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0x80) {
            return "link-local";
        }
        if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
            return "site-local";
        }
        if ((b[0] & 0xff) == 0xff) {
            return "multicast";
        }
        if (b[0] == 0x20 && b[1] == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
            return "documentation 2001:db8::/32";
        }
        if (b[0] == 0x01 && allZero(b, 1, 8)) {
            return "discard-only 100::/64";
        }
        if (allZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            return embeddedIpv4Reason(ipv4At(b, 12), "IPv4-mapped");
        }
        if (allZero(b, 0, 8) && (b[8] & 0xff) == 0xff && (b[9] & 0xff) == 0xff && allZero(b, 10, 12)) {
            return embeddedIpv4Reason(ipv4At(b, 12), "IPv4-translated");
        }
        if (allZero(b, 0, 12)) {
            // ::a.b.c.d (IPv4-compatible), including :: and ::1
            return embeddedIpv4Reason(ipv4At(b, 12), "IPv4-compatible");
        }
        if (b[0] == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
            if (allZero(b, 4, 12)) {
                return embeddedIpv4Reason(ipv4At(b, 12), "NAT64");
            }
            if (b[4] == 0x00 && b[5] == 0x01) {
                return "NAT64 local-use 64:ff9b:1::/48";
            }
        }
        if (b[0] == 0x20 && b[1] == 0x02) {
            return embeddedIpv4Reason(ipv4At(b, 2), "6to4");
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) {
            String server = embeddedIpv4Reason(ipv4At(b, 4), "Teredo server");
            if (server != null) {
                return server;
            }
            byte[] client = ipv4At(b, 12);
            for (int i = 0; i < client.length; i++) {
                client[i] = (byte) ~client[i];
            }
            return embeddedIpv4Reason(client, "Teredo client");
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x02 && b[4] == 0x00 && b[5] == 0x00) {
            return "benchmarking 2001:2::/48";
        }
        if (b[0] == 0x3f && (b[1] & 0xff) == 0xff && (b[2] & 0xf0) == 0x00) {
            return "documentation 3fff::/20";
        }
        return null;
    }

    private static byte[] ipv4At(byte[] b, int offset) {
        return new byte[] {b[offset], b[offset + 1], b[offset + 2], b[offset + 3]};
    }

    private static String embeddedIpv4Reason(byte[] v4, String form) {
        if (allZero(v4, 0, 4)) {
            return "unspecified";
        }
        String inner = ipv4Reason(v4);
        if (inner == null && form.equals("IPv4-compatible")) {
            return "deprecated IPv4-compatible IPv6";
        }
        return inner == null ? null : inner + " (" + form + ")";
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
