package dev.octosts.oidc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.StandardConstants;

/**
 * A TCP listener on one loopback address that counts the connections it accepts. With a body it answers
 * every request with {@code 200} and that JSON; without one it closes each connection at once, or, when
 * silent, keeps it open without answering until the client goes.
 */
final class LoopbackListener implements AutoCloseable {
    private final ServerSocket server;
    private final String body;
    private final boolean silent;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<String> serverNames = new CopyOnWriteArrayList<>();

    private LoopbackListener(ServerSocket server, String body, boolean silent) {
        this.server = server;
        this.body = body;
        this.silent = silent;
        if (server instanceof SSLServerSocket tls) {
            // Records the host name each client sends (SNI), even when the handshake then fails.
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setSNIMatchers(List.of(new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
                @Override
                public boolean matches(SNIServerName name) {
                    serverNames.add(((SNIHostName) name).getAsciiName());
                    return true;
                }
            }));
            tls.setSSLParameters(parameters);
        }
        Thread.ofVirtual().name("listener-" + server.getLocalSocketAddress()).start(this::acceptLoop);
    }

    /** Counts connections to {@code address} and closes them. */
    static LoopbackListener counting(String address) throws IOException {
        return counting(address, 0);
    }

    /** Counts connections to {@code address:port} and closes them. */
    static LoopbackListener counting(String address, int port) throws IOException {
        return on(ServerSocketFactory.getDefault(), address, port, null);
    }

    /** Counts connections to {@code address} and never answers on them. */
    static LoopbackListener silent(String address) throws IOException {
        return new LoopbackListener(bind(ServerSocketFactory.getDefault(), address, 0), null, true);
    }

    /** Counts connections to {@code address} and answers each request with 200 and {@code json}. */
    static LoopbackListener serving(String address, String json) throws IOException {
        return on(ServerSocketFactory.getDefault(), address, 0, json);
    }

    static LoopbackListener on(ServerSocketFactory factory, String address, int port, String json)
            throws IOException {
        return new LoopbackListener(bind(factory, address, port), json, false);
    }

    private static ServerSocket bind(ServerSocketFactory factory, String address, int port) throws IOException {
        InetAddress bind = InetAddress.getByName(address);
        if (!bind.isLoopbackAddress()) {
            throw new IllegalArgumentException("tests listen on loopback addresses only: " + address);
        }
        ServerSocket server = factory.createServerSocket();
        server.bind(new InetSocketAddress(bind, port));
        return server;
    }

    int port() {
        return server.getLocalPort();
    }

    int accepted() {
        return accepted.get();
    }

    /** The SNI host names that TLS clients sent, in order. */
    List<String> serverNames() {
        return List.copyOf(serverNames);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                Thread.ofVirtual().start(() -> answer(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void answer(Socket socket) {
        try (socket) {
            if (silent) {
                socket.getInputStream().transferTo(OutputStream.nullOutputStream());
                return;
            }
            if (body == null) {
                return;
            }
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            int matched = 0;
            byte[] end = {'\r', '\n', '\r', '\n'};
            while (matched < end.length) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            byte[] json = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + json.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(json);
            out.flush();
        } catch (IOException e) {
            // the client went away: nothing to answer
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
