package dev.octosts.http;

import dev.octosts.config.AddressRange;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The address a request came from, for rate limits and the ledger. Behind trusted proxies (a load
 * balancer, an ingress) the TCP peer is the proxy, so the address is taken from {@code X-Forwarded-For}:
 * the rightmost entry that is not itself a trusted proxy, since each proxy appends the address it saw
 * and only the entries our own proxies appended can be believed. A peer that is not a trusted proxy is
 * the client, whatever headers it sends.
 */
final class ClientAddress {
    private final List<AddressRange> trustedProxies;

    ClientAddress(List<AddressRange> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    String of(ServerRequest req) {
        String peer = req.remotePeer().address() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress()
                : String.valueOf(req.remotePeer().address());
        if (trustedProxies.isEmpty() || !trusted(AddressRange.literal(peer)) || !req.headers().contains(FORWARDED_FOR)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String value : req.headers().get(FORWARDED_FOR).allValues()) {
            for (String hop : value.split(",")) {
                hops.add(hop.strip());
            }
        }
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            byte[] hop = AddressRange.literal(hops.get(i));
            if (hop == null) {
                // Not an address: what stands left of it cannot be trusted either.
                return client;
            }
            client = hops.get(i);
            if (!trusted(hop)) {
                return client;
            }
        }
        return client;
    }

    private boolean trusted(byte[] address) {
        return trustedProxies.stream().anyMatch(range -> range.contains(address));
    }

    private static final io.helidon.http.HeaderName FORWARDED_FOR = HeaderNames.X_FORWARDED_FOR;
}
