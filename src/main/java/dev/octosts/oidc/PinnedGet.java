package dev.octosts.oidc;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 GET over a new connection to exactly one given address, never through a proxy. The JDK's
 * HTTP clients resolve the host name again when they connect and consult the JVM's proxy settings, so
 * neither can promise that the address dialled is the address checked; this does, with a plain
 * {@code Socket(Proxy.NO_PROXY)}. For https the TLS layer is told the URL's host name, which it sends as
 * SNI and verifies the server certificate against ({@code HTTPS} endpoint identification).
 *
 * <p>The response is read no further than needed: the status line and headers (at most
 * {@value #MAX_HEADER_BYTES} bytes), then, for 200 only, a body of at most {@code maxBody} bytes
 * ({@code Content-Length}, chunked, or up to the end of the connection). {@code Connection: close} is sent,
 * so every request has a connection of its own.
 */
final class PinnedGet implements AutoCloseable {
    static final int MAX_HEADER_BYTES = 16 * 1024;

    /** The status, a {@code Location} header if any, and for a 200 its body. */
    record Response(int status, String location, byte[] body) {
    }

    /** The response broke HTTP/1.1 or our limits; the message says how, without any response text. */
    static final class Malformed extends IOException {
        Malformed(String message) {
            super(message, null);
        }
    }

    /** The body is over the cap; the message says by how much, as far as known. */
    static final class TooLarge extends IOException {
        TooLarge(String message) {
            super(message, null);
        }
    }

    private final Socket socket = new Socket(Proxy.NO_PROXY);
    private volatile boolean connected;

    /** Whether the TCP connection was made (a timeout after it is a read timeout, before it a connect timeout). */
    boolean connected() {
        return connected;
    }

    /**
     * GET {@code url} from {@code address}, which must be an address of the URL's host; {@code tls} is used
     * for https. Closing this from another thread aborts the request.
     */
    Response get(URI url, String host, InetAddress address, SSLSocketFactory tls, Duration connectTimeout,
            Duration readTimeout, int maxBody) throws IOException {
        boolean https = url.getScheme().equalsIgnoreCase("https");
        int port = url.getPort() != -1 ? url.getPort() : https ? 443 : 80;
        socket.connect(new InetSocketAddress(address, port), timeoutMillis(connectTimeout));
        connected = true;
        socket.setSoTimeout(timeoutMillis(readTimeout));
        Socket channel = https ? tls(tls, host, port) : socket;

        // As written, except that characters outside ASCII are percent-encoded (UTF-8).
        URI ascii = URI.create(url.toASCIIString());
        String target = (ascii.getRawPath() == null || ascii.getRawPath().isEmpty() ? "/" : ascii.getRawPath())
                + (ascii.getRawQuery() == null ? "" : "?" + ascii.getRawQuery());
        String request = "GET " + target + " HTTP/1.1\r\n"
                + "Host: " + ascii.getRawAuthority() + "\r\n"
                + "Accept: application/json\r\n"
                + "User-Agent: octo-sts\r\n"
                + "Connection: close\r\n\r\n";
        OutputStream out = channel.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();

        InputStream in = new BufferedInputStream(channel.getInputStream());
        Head head = readHead(in);
        if (head.status() != 200) {
            return new Response(head.status(), head.location(), null);
        }
        byte[] body;
        if (head.chunked()) {
            body = readChunked(in, maxBody);
        } else if (head.contentLength() >= 0) {
            if (head.contentLength() > maxBody) {
                throw new TooLarge("response declares " + head.contentLength() + " bytes, more than the " + maxBody
                        + " allowed");
            }
            body = in.readNBytes((int) head.contentLength());
            if (body.length < head.contentLength()) {
                throw new EOFException("response body ended before its declared length");
            }
        } else {
            body = in.readNBytes(maxBody + 1);
            if (body.length > maxBody) {
                throw tooLarge(maxBody);
            }
        }
        return new Response(200, head.location(), body);
    }

    private SSLSocket tls(SSLSocketFactory factory, String host, int port) throws IOException {
        SSLSocket ssl = (SSLSocket) factory.createSocket(socket, host, port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!isIpLiteral(host)) {
            parameters.setServerNames(List.of(new SNIHostName(host)));
        }
        ssl.setSSLParameters(parameters);
        ssl.startHandshake();
        return ssl;
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    private static int timeoutMillis(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    private static TooLarge tooLarge(int maxBody) {
        return new TooLarge("response body is larger than the " + maxBody + " bytes allowed");
    }

    private record Head(int status, String location, long contentLength, boolean chunked) {
    }

    private static Head readHead(InputStream in) throws IOException {
        int[] budget = {MAX_HEADER_BYTES};
        String statusLine = readLine(in, budget);
        // HTTP/1.x SP 3DIGIT [SP reason]
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' '
                || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
            throw new Malformed("malformed status line");
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new Malformed("malformed status line");
        }
        String location = null;
        long contentLength = -1;
        String transferEncoding = null;
        for (String line = readLine(in, budget); !line.isEmpty(); line = readLine(in, budget)) {
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new Malformed("malformed header line");
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            switch (name) {
                case "location" -> location = value;
                case "transfer-encoding" -> transferEncoding = transferEncoding == null ? value
                        : transferEncoding + ", " + value;
                case "content-length" -> {
                    long length = parseLength(value);
                    if (contentLength >= 0 && contentLength != length) {
                        throw new Malformed("conflicting Content-Length headers");
                    }
                    contentLength = length;
                }
                default -> {
                }
            }
        }
        boolean chunked = false;
        if (transferEncoding != null) {
            String last = transferEncoding.substring(transferEncoding.lastIndexOf(',') + 1).trim();
            if (!last.equalsIgnoreCase("chunked") || transferEncoding.indexOf(',') >= 0) {
                throw new Malformed("unsupported Transfer-Encoding");
            }
            chunked = true;
            contentLength = -1;
        }
        return new Head(status, location, contentLength, chunked);
    }

    private static long parseLength(String value) throws Malformed {
        if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Malformed("malformed Content-Length");
        }
        return Long.parseLong(value);
    }

    /** One line without its CR LF (a bare LF is accepted), counted against the header budget. */
    private static String readLine(InputStream in, int[] budget) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed inside the response headers");
            }
            if (--budget[0] < 0) {
                throw new Malformed("response headers are larger than " + MAX_HEADER_BYTES + " bytes");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
    }

    private static byte[] readChunked(InputStream in, int maxBody) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int[] budget = {MAX_HEADER_BYTES};
        while (true) {
            String sizeLine = readLine(in, budget);
            int extension = sizeLine.indexOf(';');
            String hex = (extension >= 0 ? sizeLine.substring(0, extension) : sizeLine).trim();
            if (hex.isEmpty() || hex.length() > 8 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new Malformed("malformed chunk size");
            }
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                return body.toByteArray();
            }
            if (body.size() + size > maxBody) {
                throw tooLarge(maxBody);
            }
            byte[] chunk = in.readNBytes((int) size);
            if (chunk.length < size) {
                throw new EOFException("response body ended inside a chunk");
            }
            body.write(chunk);
            if (!readLine(in, budget).isEmpty()) {
                throw new Malformed("malformed chunk end");
            }
            budget[0] = MAX_HEADER_BYTES;
        }
    }

    /** Closes the connection; a request blocked on it fails at once. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already broken: nothing more to close
        }
    }
}
