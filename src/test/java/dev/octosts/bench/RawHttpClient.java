package dev.octosts.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A minimal HTTP/1.1 keep-alive client for the load generator: a GET (or any request written out whole)
 * over pooled sockets, reading the status and skipping the body unless asked for it. It costs a fraction of the JDK client's CPU, which otherwise competes
 * with the service for the machine's two cores and caps what the benchmark can measure. It opens at most
 * {@link #MAX_CONNECTIONS}, like a real client's pool; beyond that a request waits for a connection to come
 * back (an open loop measures that wait too, from when the request was due).
 */
final class RawHttpClient implements AutoCloseable {
    private final InetSocketAddress address;
    private final InetAddress localAddress;
    private final String host;
    static final int MAX_CONNECTIONS = 256;
    private final LinkedBlockingQueue<Connection> idle = new LinkedBlockingQueue<>();
    private final Semaphore opened = new Semaphore(MAX_CONNECTIONS);

    /** A response's status, and its body when it was asked for (else null). */
    record Response(int status, byte[] body) {
    }

    RawHttpClient(URI base) {
        this(base, null);
    }

    /**
     * @param localAddress the address this client's connections come from (any 127.x.y.z is local on
     *                     Linux), so that a server tells its clients apart; null: the system's choice
     */
    RawHttpClient(URI base, InetAddress localAddress) {
        this.address = new InetSocketAddress(base.getHost(), base.getPort());
        this.localAddress = localAddress;
        this.host = base.getHost() + ":" + base.getPort();
    }

    /** {@code GET pathAndQuery} with an optional bearer token; the response status. */
    int get(String pathAndQuery, String bearer) {
        return send(getRequest(pathAndQuery, bearer), false).status();
    }

    /** {@code GET pathAndQuery} with an optional bearer token; the status and body. */
    Response fetch(String pathAndQuery, String bearer) {
        return send(getRequest(pathAndQuery, bearer), true);
    }

    /** The Host header every request of this client should carry. */
    String host() {
        return host;
    }

    private byte[] getRequest(String pathAndQuery, String bearer) {
        return ("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + "\r\n"
                + (bearer == null ? "" : "Authorization: Bearer " + bearer + "\r\n") + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Writes {@code request} (a whole HTTP/1.1 request, body included) on a pooled connection. */
    Response send(byte[] request, boolean keepBody) {
        Connection connection = null;
        try {
            connection = take();
            Response response = connection.exchange(request, keepBody);
            if (connection.reusable) {
                idle.add(connection);
            } else {
                discard(connection);
            }
            return response;
        } catch (IOException e) {
            if (connection != null) {
                discard(connection);
            }
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An idle connection, else a new one while fewer than the maximum are open, else the next one back.
     * The wait is bounded and then both are tried again: a connection closed instead of returned frees a
     * slot without putting anything in the idle queue.
     */
    private Connection take() throws IOException {
        try {
            while (true) {
                Connection connection = idle.poll();
                if (connection != null) {
                    return connection;
                }
                if (opened.tryAcquire()) {
                    try {
                        return new Connection(address, localAddress);
                    } catch (IOException | RuntimeException e) {
                        opened.release();
                        throw e;
                    }
                }
                connection = idle.poll(10, TimeUnit.MILLISECONDS);
                if (connection != null) {
                    return connection;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a connection", e);
        }
    }

    private void discard(Connection connection) {
        connection.close();
        opened.release();
    }

    @Override
    public void close() {
        for (Connection connection; (connection = idle.poll()) != null; ) {
            discard(connection);
        }
    }

    private static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private boolean reusable = true;

        Connection(InetSocketAddress address, InetAddress localAddress) throws IOException {
            socket = new Socket();
            if (localAddress != null) {
                socket.bind(new InetSocketAddress(localAddress, 0));
            }
            socket.setTcpNoDelay(true);
            socket.connect(address, 5_000);
            socket.setSoTimeout(60_000);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }

        Response exchange(byte[] request, boolean keepBody) throws IOException {
            out.write(request);
            out.flush();
            String statusLine = line();
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = 0;
            boolean chunked = false;
            for (String header; !(header = line()).isEmpty(); ) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring(15).strip());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    reusable = false;
                }
            }
            if (keepBody && !chunked) {
                return new Response(status, in.readNBytes(Math.toIntExact(length)));
            }
            if (chunked) {
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                for (long chunk; (chunk = Long.parseLong(line().strip(), 16)) > 0; ) {
                    if (keepBody) {
                        body.write(in.readNBytes(Math.toIntExact(chunk)));
                        skip(2);
                    } else {
                        skip(chunk + 2);
                    }
                }
                line();
                return new Response(status, keepBody ? body.toByteArray() : null);
            }
            skip(length);
            return new Response(status, null);
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        private void skip(long bytes) throws IOException {
            for (long left = bytes; left > 0; ) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new IOException("connection closed");
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }
}
