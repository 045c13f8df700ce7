package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** How a response is read, against a listener on 127.0.0.1 that sends canned bytes; bodies capped at 10 bytes. */
class PinnedGetTest {
    private static final int MAX_BODY = 10;

    /** Serves {@code response} to one request and returns the request head it received. */
    private static String exchange(String response, String pathAndQuery, StringBuilder outcome) throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<String> head = CompletableFuture.supplyAsync(() -> serve(server, response));
            URI url = URI.create("http://127.0.0.1:" + server.getLocalPort() + pathAndQuery);
            try (PinnedGet request = new PinnedGet()) {
                PinnedGet.Response answer = request.get(url, "127.0.0.1", InetAddress.getLoopbackAddress(),
                        (SSLSocketFactory) SSLSocketFactory.getDefault(), Duration.ofSeconds(5), Duration.ofSeconds(5),
                        MAX_BODY);
                outcome.append(answer.status()).append(' ').append(answer.location()).append(' ')
                        .append(answer.body() == null ? "null" : new String(answer.body(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                outcome.append(e.getClass().getSimpleName()).append(": ").append(e.getMessage());
            }
            return head.get();
        }
    }

    private static String serve(ServerSocket server, String response) {
        try (Socket socket = server.accept()) {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.write(b);
            }
            socket.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
            return head.toString(StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "server failed: " + e;
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            content length        | HTTP/1.1 200 OK\\r\\nContent-Length: 7\\r\\n\\r\\n{"a":1} | 200 null {"a":1}
            chunked               | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n4;x=y\\r\\n{"a"\\r\\n3\\r\\n:1}\\r\\n0\\r\\n\\r\\n | 200 null {"a":1}
            to end of connection  | HTTP/1.0 200 OK\\r\\n\\r\\n{"a":1} | 200 null {"a":1}
            no reason phrase      | HTTP/1.1 200\\r\\nContent-Length: 2\\r\\n\\r\\n{} | 200 null {}
            bare LF               | HTTP/1.1 200 OK\\nContent-Length: 2\\n\\n{} | 200 null {}
            redirect              | HTTP/1.1 302 Found\\r\\nLocation: /elsewhere\\r\\nContent-Length: 100000\\r\\n\\r\\n | 302 /elsewhere null
            error status          | HTTP/1.1 500 Oops\\r\\n\\r\\n | 500 null null
            declared too large    | HTTP/1.1 200 OK\\r\\nContent-Length: 11\\r\\n\\r\\n | TooLarge: response declares 11 bytes, more than the 10 allowed
            undeclared too large  | HTTP/1.1 200 OK\\r\\n\\r\\n{"a":"0123456789"} | TooLarge: response body is larger than the 10 bytes allowed
            chunks too large      | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n8\\r\\n{"a":"01\\r\\n8\\r\\n23456"}\\r\\n0\\r\\n\\r\\n | TooLarge: response body is larger than the 10 bytes allowed
            body cut short        | HTTP/1.1 200 OK\\r\\nContent-Length: 9\\r\\n\\r\\n{} | EOFException: response body ended before its declared length
            chunk cut short       | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n9\\r\\n{} | EOFException: response body ended inside a chunk
            headers cut short     | HTTP/1.1 200 OK\\r\\nContent-Len | EOFException: connection closed inside the response headers
            conflicting lengths   | HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nContent-Length: 3\\r\\n\\r\\n{} | Malformed: conflicting Content-Length headers
            negative length       | HTTP/1.1 200 OK\\r\\nContent-Length: -1\\r\\n\\r\\n{} | Malformed: malformed Content-Length
            other coding          | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n | Malformed: unsupported Transfer-Encoding
            bad chunk size        | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n | Malformed: malformed chunk size
            folded header         | HTTP/1.1 200 OK\\r\\nX: a\\r\\n b\\r\\n\\r\\n | Malformed: malformed header line
            not HTTP              | ICY 200 OK\\r\\n\\r\\n | Malformed: malformed status line
            four-digit status     | HTTP/1.1 2000 OK\\r\\n\\r\\n | Malformed: malformed status line
            """)
    void readsOnlyWhatHttpAndTheLimitsAllow(String name, String response, String expected) throws Exception {
        StringBuilder outcome = new StringBuilder();

        exchange(response.replace("\\r", "\r").replace("\\n", "\n"), "/jwks", outcome);

        assertThat(outcome.toString()).isEqualTo(expected);
    }

    @Test
    void headersLargerThanTheLimitAreRefused() throws Exception {
        StringBuilder outcome = new StringBuilder();

        exchange("HTTP/1.1 200 OK\r\nX-Padding: " + "a".repeat(PinnedGet.MAX_HEADER_BYTES) + "\r\n\r\n{}", "/jwks", outcome);

        assertThat(outcome.toString()).isEqualTo("Malformed: response headers are larger than 16384 bytes");
    }

    @Test
    void thePathAndQueryAreSentAsWrittenWithNonAsciiPercentEncoded() throws Exception {
        StringBuilder outcome = new StringBuilder();

        String head = exchange("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", "/keys/a%2Fb/\u00e9?v=a+b&w=%20", outcome);

        assertThat(outcome.toString()).isEqualTo("200 null {}");
        assertThat(head).startsWith("GET /keys/a%2Fb/%C3%A9?v=a+b&w=%20 HTTP/1.1\r\nHost: 127.0.0.1:")
                .contains("\r\nConnection: close\r\n").contains("\r\nAccept: application/json\r\n");
    }
}
