package io.chute.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A byte-for-byte TCP forwarder on a loopback port in front of a server, so a test can make a server that other
 * tests share (e.g. the JVM's S3Proxy, {@link SharedS3Servers}) unreachable for one client without stopping it:
 * {@link #close()} refuses new connections and cuts the open ones, as a stopped server would. Bytes pass through
 * unchanged (the Host header names the forwarder, which is what a SigV4 client signed).
 */
public final class TcpForwarder implements AutoCloseable {

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private TcpForwarder(ServerSocket server, String targetHost, int targetPort) {
        this.server = server;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
    }

    /** Starts forwarding a free loopback port to {@code target}'s host and port. */
    public static TcpForwarder to(URI target) {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            TcpForwarder forwarder = new TcpForwarder(server, target.getHost(), target.getPort());
            Thread acceptor = new Thread(forwarder::acceptLoop, "tcp-forwarder-" + server.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
            return forwarder;
        } catch (IOException e) {
            throw new UncheckedIOException("no loopback port for a forwarder to " + target, e);
        }
    }

    /** The forwarder's own endpoint, e.g. {@code http://127.0.0.1:40123}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream;
                try {
                    upstream = new Socket(targetHost, targetPort);
                } catch (IOException unreachable) {
                    client.close();
                    continue;
                }
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("tcp forwarder: " + e);
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException connectionEnded) {
                // one side closed or the forwarder was closed
            } finally {
                quietlyClose(from);
            }
        }, "tcp-forwarder-pump");
        t.setDaemon(true);
        t.start();
    }

    private void quietlyClose(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** Refuses new connections and cuts every open one; idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
        open.forEach(this::quietlyClose);
    }
}
