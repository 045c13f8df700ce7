package dev.octosts.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A minimal HTTP/1.1 keep-alive client for the load generator: a GET over pooled sockets, reading the
 * status and skipping the body. It costs a fraction of the JDK client's CPU, which otherwise competes
 * with the service for the machine's two cores and caps what the benchmark can measure. It opens at most
 * {@link #MAX_CONNECTIONS}, like a real client's pool; beyond that a request waits for a connection to come
 * back (an open loop measures that wait too, from when the request was due).
 */
final class RawHttpClient implements AutoCloseable {
    private final InetSocketAddress address;
    private final String host;
    static final int MAX_CONNECTIONS = 256;
    private final LinkedBlockingQueue<Connection> idle = new LinkedBlockingQueue<>();
    private final Semaphore opened = new Semaphore(MAX_CONNECTIONS);

    RawHttpClient(URI base) {
        this.address = new InetSocketAddress(base.getHost(), base.getPort());
        this.host = base.getHost() + ":" + base.getPort();
    }

    /** {@code GET pathAndQuery} with an optional bearer token; the response status. */
    int get(String pathAndQuery, String bearer) {
        byte[] request = ("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + "\r\n"
                + (bearer == null ? "" : "Authorization: Bearer " + bearer + "\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        Connection connection = null;
        try {
            connection = take();
            int status = connection.exchange(request);
            if (connection.reusable) {
                idle.add(connection);
            } else {
                discard(connection);
            }
            return status;
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
                        return new Connection(address);
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

        Connection(InetSocketAddress address) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(address, 5_000);
            socket.setSoTimeout(60_000);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }

        int exchange(byte[] request) throws IOException {
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
            if (chunked) {
                for (long chunk; (chunk = Long.parseLong(line().strip(), 16)) > 0; ) {
                    skip(chunk + 2);
                }
                line();
            } else {
                skip(length);
            }
            return status;
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
