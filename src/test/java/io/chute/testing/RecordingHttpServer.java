package io.chute.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal HTTP/1.1 server on 127.0.0.1 that records what arrives on the wire: each request's method, target,
 * headers and body size, and how many connections were opened. It answers every request 200 with an ETag and
 * echoes {@code x-amz-checksum-crc32c}, as S3 does for a PutObject or UploadPart; it sends {@code 100 Continue}
 * only when asked to by an {@code Expect} header. Keeps connections alive.
 */
public final class RecordingHttpServer implements AutoCloseable {

    /** One request as it arrived. */
    public record Request(String method, String target, Map<String, String> headers, long bodyBytes) {
        public boolean expectsContinue() {
            return "100-continue".equalsIgnoreCase(headers.getOrDefault("expect", ""));
        }
    }

    private final ServerSocket socket;
    private final ExecutorService connections = Executors.newCachedThreadPool();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger opened = new AtomicInteger();

    public RecordingHttpServer() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        connections.submit(this::acceptLoop);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public int connectionsOpened() {
        return opened.get();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                opened.incrementAndGet();
                connections.submit(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client; InputStream in = new BufferedInputStream(client.getInputStream());
             OutputStream out = client.getOutputStream()) {
            while (true) {
                String requestLine = line(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                Map<String, String> headers = new HashMap<>();
                for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                    int colon = h.indexOf(':');
                    headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
                }
                String[] parts = requestLine.split(" ");
                Request request = new Request(parts[0], parts[1], headers, 0);
                if (request.expectsContinue()) {
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                long length = Long.parseLong(headers.getOrDefault("content-length", "0"));
                in.skipNBytes(length); // throws EOFException unless the whole body arrives
                requests.add(new Request(parts[0], parts[1], headers, length));
                String crc = headers.get("x-amz-checksum-crc32c");
                String response = "HTTP/1.1 200 OK\r\nETag: \"etag\"\r\n"
                        + (crc == null ? "" : "x-amz-checksum-crc32c: " + crc + "\r\n")
                        + "Content-Length: 0\r\n\r\n";
                out.write(response.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException | RuntimeException endOfConnection) {
            // the client closed the connection
        }
    }

    /** One CRLF-terminated line, or null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                String s = bytes.toString(StandardCharsets.US_ASCII);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            bytes.write(b);
        }
        return bytes.size() == 0 ? null : bytes.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        connections.shutdownNow();
    }
}
