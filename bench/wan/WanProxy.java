import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A WAN emulator for the benchmarks: a TCP proxy on 127.0.0.1 that forwards every connection to a server on
 * 127.0.0.1 and makes the path between them behave like a long-distance link. No dependencies; run it with
 * Java's single-file launcher:
 *
 * <pre>java bench/wan/WanProxy.java --listen 9000 --to 8080 --rtt 40ms --rate 125M --window 4MiB</pre>
 *
 * <p>The model, per direction of every connection:
 * <ul>
 *   <li><b>Latency</b>: a chunk read at time t is written to the other side at t + rtt/2 (plus the link's
 *   serialisation, below). Chunks of one direction leave in the order they arrived: bytes are delayed, never
 *   reordered. A new connection pays {@code --connect-rtts} round trips (default 1, TCP's handshake) before the
 *   client's first byte can leave: the client's first request arrives at rtt/2 after that.</li>
 *   <li><b>Bandwidth</b>: one shared link per direction serialises the bytes of all connections at
 *   {@code --rate} bytes/s (a token bucket with no burst: a chunk of n bytes occupies the link for n/rate
 *   seconds, first come first served), then propagates them for rtt/2.</li>
 *   <li><b>Window</b>: at most {@code --window} bytes of a connection may be unacknowledged per direction: a
 *   byte counts from the moment the proxy reads it until rtt/2 after it was written to the other side (its
 *   acknowledgement travelling back). So one connection carries at most window/rtt bytes/s, like one TCP
 *   stream whose congestion and receive windows stay at that size.</li>
 * </ul>
 * Not modelled: loss, retransmission, reordering, jitter, slow start or any congestion control (the window is
 * open from the first byte), TLS handshakes (unless {@code --connect-rtts} is raised), or queueing limits at
 * the bottleneck (the link's queue is bounded only by the windows).
 *
 * <p>At rtt 0 with no rate the proxy copies each read straight to the other side on the reading thread.
 *
 * <p>Observation: the proxy follows HTTP/1.1 on each connection (request heads and bodies by Content-Length or
 * chunked framing, responses including interim 1xx, HEAD and 204/304 without body), so it can say when each
 * request started (its head read from the client) and ended (the last byte of its final response written
 * to the client). {@code --events FILE} gets one line per connection open/close and per request start/end,
 * with wall-clock timestamps in seconds since the epoch (comparable with {@code date +%s.%N}):
 * <pre>
 * OPEN   t conn
 * REQ    t conn id method target expect100(0|1)
 * CONT   t conn id                              (an interim 100 Continue reached the client)
 * END    t conn id status reqBytes respBytes    (status -1: the connection closed first)
 * CLOSE  t conn bytesUp bytesDown parsed(0|1)
 * </pre>
 * {@code --stats FILE} is rewritten every second and at exit with the totals (connections opened, open now,
 * peak open, bytes per direction, requests, in flight, peak in flight); the same summary goes to stderr at
 * exit (SIGTERM, SIGINT, {@code --max-seconds}).
 *
 * <p>It only ever listens on and connects to 127.0.0.1, and exits after {@code --max-seconds} (default 3600).
 */
public final class WanProxy {

    static final long START_NANO = System.nanoTime();
    static final long START_EPOCH_NANOS = epochNanos();

    static final AtomicLong CONNS_OPENED = new AtomicLong();
    static final AtomicInteger CONNS_OPEN = new AtomicInteger();
    static final AtomicInteger CONNS_PEAK = new AtomicInteger();
    static final AtomicLong BYTES_UP = new AtomicLong();
    static final AtomicLong BYTES_DOWN = new AtomicLong();
    static final AtomicLong REQUESTS = new AtomicLong();
    static final AtomicInteger IN_FLIGHT = new AtomicInteger();
    static final AtomicInteger IN_FLIGHT_PEAK = new AtomicInteger();
    static final AtomicLong CONTINUES = new AtomicLong();
    static final AtomicLong UNPARSED_CONNS = new AtomicLong();
    static final AtomicLong REQUEST_IDS = new AtomicLong();

    static Options options;
    static Events events;

    public static void main(String[] args) throws Exception {
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("WanProxy: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
        }
        events = new Events(options.events);
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.listenPort), 1024);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            events.close();
            writeStats();
            System.err.println("WanProxy summary: " + summary());
        }, "wan-exit"));
        daemon("wan-stats", () -> {
            while (true) {
                sleepNanos(1_000_000_000L);
                events.flush();
                writeStats();
            }
        });
        daemon("wan-deadline", () -> {
            sleepNanos(options.maxSeconds * 1_000_000_000L);
            System.err.println("WanProxy: --max-seconds " + options.maxSeconds + " reached, exiting");
            System.exit(0);
        });
        System.err.printf(Locale.ROOT, "WanProxy listening on 127.0.0.1:%d -> 127.0.0.1:%d, rtt %.1f ms, rate %s, "
                        + "window %s, connect %d rtt, max %d s%n", server.getLocalPort(), options.toPort,
                options.rttNanos / 1e6, options.rate == 0 ? "unlimited" : options.rate + " B/s",
                options.window == 0 ? "unlimited" : options.window + " B", options.connectRtts, options.maxSeconds);
        Link up = options.rate > 0 ? new Link(options.rate) : null;
        Link down = options.rate > 0 ? new Link(options.rate) : null;
        while (true) {
            Socket client = server.accept();
            // The connection's first thread connects upstream and starts the others, so that a burst of
            // connections is accepted at once.
            thread("wan-open", () -> {
                try {
                    new Conn(client, up, down).start();
                } catch (IOException e) {
                    System.err.println("WanProxy: cannot reach 127.0.0.1:" + options.toPort + ": " + e.getMessage());
                    closeQuietly(client);
                }
            });
        }
    }

    // ------------------------------------------------------------------ options

    static final class Options {
        static final String USAGE = "usage: java WanProxy.java --listen PORT --to PORT [--rtt 40ms] [--rate 125M] "
                + "[--window 4MiB] [--connect-rtts 1] [--buffer 64KiB] [--events FILE] [--stats FILE] "
                + "[--max-seconds 3600]\n  sizes: 125M = 125e6, 4MiB = 4*2^20; --rate 0 and --window 0 mean unlimited";
        int listenPort = -1;
        int toPort = -1;
        long rttNanos;
        long rate;
        long window = 4L << 20;
        int connectRtts = 1;
        int buffer = 64 << 10;
        Path events;
        Path stats;
        long maxSeconds = 3600;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    System.out.println(USAGE);
                    System.exit(0);
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + a);
                }
                String v = args[++i];
                switch (a) {
                    case "--listen" -> o.listenPort = Integer.parseInt(v);
                    case "--to" -> o.toPort = Integer.parseInt(v);
                    case "--rtt" -> o.rttNanos = duration(v);
                    case "--rate" -> o.rate = size(v);
                    case "--window" -> o.window = size(v);
                    case "--connect-rtts" -> o.connectRtts = Integer.parseInt(v);
                    case "--buffer" -> o.buffer = (int) size(v);
                    case "--events" -> o.events = Path.of(v);
                    case "--stats" -> o.stats = Path.of(v);
                    case "--max-seconds" -> o.maxSeconds = Long.parseLong(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.listenPort < 0 || o.toPort <= 0) {
                throw new IllegalArgumentException("--listen and --to are required");
            }
            if (o.rttNanos < 0 || o.rate < 0 || o.window < 0 || o.connectRtts < 0 || o.buffer <= 0 || o.maxSeconds <= 0) {
                throw new IllegalArgumentException("negative or zero values where they make no sense");
            }
            return o;
        }

        static long duration(String v) {
            String s = v.trim().toLowerCase(Locale.ROOT);
            double mult = 1e6; // a bare number is milliseconds
            if (s.endsWith("ms")) {
                s = s.substring(0, s.length() - 2);
            } else if (s.endsWith("us")) {
                mult = 1e3;
                s = s.substring(0, s.length() - 2);
            } else if (s.endsWith("s")) {
                mult = 1e9;
                s = s.substring(0, s.length() - 1);
            }
            return Math.round(Double.parseDouble(s) * mult);
        }

        static long size(String v) {
            String s = v.trim();
            String[][] units = {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}, {"Ki", "1024"},
                    {"Mi", "1048576"}, {"Gi", "1073741824"}, {"k", "1000"}, {"K", "1000"}, {"M", "1000000"},
                    {"G", "1000000000"}};
            for (String[] u : units) {
                if (s.endsWith(u[0])) {
                    return Math.round(Double.parseDouble(s.substring(0, s.length() - u[0].length()))
                            * Long.parseLong(u[1]));
                }
            }
            return Long.parseLong(s);
        }
    }

    // ------------------------------------------------------------------ link, connection, pipe

    /** One direction of the bottleneck, shared by all connections: serialises bytes at {@code rate}. */
    static final class Link {
        final double nanosPerByte;
        long freeAtNanos = Long.MIN_VALUE;

        Link(long rate) {
            this.nanosPerByte = 1e9 / rate;
        }

        /** Reserves the link for n bytes starting no earlier than {@code earliest}; returns when they are sent. */
        synchronized long reserve(long earliest, int n) {
            long start = Math.max(earliest, freeAtNanos);
            freeAtNanos = start + Math.round(n * nanosPerByte);
            return freeAtNanos;
        }
    }

    static final class Request {
        final long id;
        final String method;
        long reqBytes;
        long respBytes;

        Request(long id, String method) {
            this.id = id;
            this.method = method;
        }
    }

    static final class Conn {
        static final AtomicLong IDS = new AtomicLong();
        final long id = IDS.incrementAndGet();
        final Socket client;
        final Socket upstream;
        final Pipe up;
        final Pipe down;
        final AtomicBoolean closed = new AtomicBoolean();
        final AtomicInteger pipesDone = new AtomicInteger();
        /** Requests whose final response has not reached the client yet, oldest first. */
        final ArrayDeque<Request> pending = new ArrayDeque<>();
        Request current;
        volatile boolean unparsed;

        Conn(Socket client, Link upLink, Link downLink) throws IOException {
            this.client = client;
            long accepted = System.nanoTime();
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.toPort), 10_000);
            } catch (IOException e) {
                closeQuietly(s);
                throw e;
            }
            this.upstream = s;
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            long handshake = accepted + options.connectRtts * options.rttNanos;
            up = new Pipe(this, true, client.getInputStream(), upstream, upLink, handshake);
            down = new Pipe(this, false, upstream.getInputStream(), client, downLink, accepted);
        }

        void start() {
            CONNS_OPENED.incrementAndGet();
            CONNS_PEAK.accumulateAndGet(CONNS_OPEN.incrementAndGet(), Math::max);
            events.log("OPEN", id);
            up.start();
            down.start();
        }

        synchronized void requestStarted(String method, String target, boolean expect100, long t) {
            Request r = new Request(REQUEST_IDS.incrementAndGet(), method);
            pending.addLast(r);
            current = r;
            REQUESTS.incrementAndGet();
            IN_FLIGHT_PEAK.accumulateAndGet(IN_FLIGHT.incrementAndGet(), Math::max);
            events.logAt(t, "REQ", id, r.id + " " + method + " " + target + " " + (expect100 ? 1 : 0));
        }

        synchronized void requestBytes(int n) {
            if (current != null) {
                current.reqBytes += n;
            }
        }

        synchronized Request oldestPending() {
            return pending.peekFirst();
        }

        synchronized void continued(long t) {
            Request r = pending.peekFirst();
            CONTINUES.incrementAndGet();
            events.logAt(t, "CONT", id, r == null ? "0" : Long.toString(r.id));
        }

        synchronized void responseEnded(int status, long t) {
            Request r = pending.pollFirst();
            if (r != null) {
                IN_FLIGHT.decrementAndGet();
                events.logAt(t, "END", id, r.id + " " + status + " " + r.reqBytes + " " + r.respBytes);
            }
        }

        void markUnparsed() {
            if (!unparsed) {
                unparsed = true;
                UNPARSED_CONNS.incrementAndGet();
            }
        }

        void pipeDone() {
            if (pipesDone.incrementAndGet() == 2) {
                close();
            }
        }

        void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            closeQuietly(client);
            closeQuietly(upstream);
            up.stop();
            down.stop();
            long t = System.nanoTime();
            synchronized (this) {
                while (!pending.isEmpty()) {
                    responseEnded(-1, t);
                }
            }
            CONNS_OPEN.decrementAndGet();
            events.logAt(t, "CLOSE", id, up.bytes + " " + down.bytes + " " + (unparsed ? 0 : 1));
        }
    }

    /** A chunk on its way; {@code data == null} is the end of the stream (FIN). */
    record Chunk(byte[] data, long releaseNanos) {
    }

    static final class Pipe {
        /** No time (System.nanoTime() values may be negative, so 0 is a time like any other). */
        static final long NONE = Long.MIN_VALUE;
        final Conn conn;
        final boolean up;
        final InputStream in;
        final Socket dst;
        final OutputStream out;
        final Link link;
        final long notBeforeNanos;
        final boolean direct;
        final HttpStream http;
        final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        final ReentrantLock lock = new ReentrantLock();
        final Condition acked = lock.newCondition();
        /** {ackAtNanos, bytes} of written chunks whose acknowledgement is still travelling, in order. */
        final ArrayDeque<long[]> acks = new ArrayDeque<>();
        long unacked;
        volatile long bytes;
        volatile Thread reader;
        volatile Thread writer;

        Pipe(Conn conn, boolean up, InputStream in, Socket dst, Link link, long notBeforeNanos) throws IOException {
            this.conn = conn;
            this.up = up;
            this.in = in;
            this.dst = dst;
            this.out = dst.getOutputStream();
            this.link = link;
            this.notBeforeNanos = notBeforeNanos;
            this.direct = options.rttNanos == 0 && link == null;
            this.http = new HttpStream(conn, up);
        }

        void start() {
            String name = "wan-" + conn.id + (up ? "-up" : "-down");
            reader = thread(name + "-r", this::readLoop);
            if (!direct) {
                writer = thread(name + "-w", this::writeLoop);
            }
        }

        /** Wakes this pipe's threads after the sockets were closed (the reader may wait for window room). */
        void stop() {
            if (writer != null) {
                writer.interrupt();
            }
            if (reader != null && reader != Thread.currentThread()) {
                reader.interrupt();
            }
        }

        void readLoop() {
            byte[] buf = new byte[options.buffer];
            long lastDeparture = Long.MIN_VALUE;
            try {
                while (true) {
                    int room = buf.length;
                    long departure = NONE;
                    if (!direct) {
                        long[] window = awaitWindow();
                        room = (int) Math.min(buf.length, window[0]);
                        // Bytes already waiting when the window opened would have left then: a late wake-up of
                        // this thread is the proxy's lag, not the path's.
                        if (window[1] != NONE && in.available() > 0) {
                            departure = window[1];
                        }
                    }
                    int n = in.read(buf, 0, room);
                    long t = System.nanoTime();
                    departure = Math.max(departure == NONE ? t : departure, lastDeparture);
                    lastDeparture = departure;
                    if (n < 0) {
                        if (direct) {
                            finish();
                        } else {
                            queue.put(new Chunk(null, releaseAt(departure, 0)));
                        }
                        return;
                    }
                    bytes += n;
                    (up ? BYTES_UP : BYTES_DOWN).addAndGet(n);
                    if (up) {
                        http.feed(buf, 0, n, t); // a request starts when the proxy reads it from the client
                    }
                    if (direct) {
                        out.write(buf, 0, n);
                        if (!up) {
                            http.feed(buf, 0, n, System.nanoTime());
                        }
                    } else {
                        long release = releaseAt(departure, n);
                        lock.lock();
                        try {
                            unacked += n;
                        } finally {
                            lock.unlock();
                        }
                        queue.put(new Chunk(Arrays.copyOf(buf, n), release));
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                conn.close();
            }
        }

        /** When a chunk that leaves at {@code departure} reaches the other side: after the link, rtt/2 later. */
        long releaseAt(long departure, int n) {
            long start = Math.max(departure, notBeforeNanos);
            long sent = link == null || n == 0 ? start : link.reserve(start, n);
            return sent + options.rttNanos / 2;
        }

        /**
         * Blocks until the window has room; returns {bytes that may be read, when the room opened (the due time of
         * the acknowledgement that made it) or {@link #NONE} when there was room without waiting}.
         */
        long[] awaitWindow() throws InterruptedException {
            if (options.window == 0) {
                return new long[] {Long.MAX_VALUE, NONE};
            }
            lock.lock();
            try {
                boolean waited = false;
                long openedAt = NONE;
                while (true) {
                    long now = System.nanoTime();
                    while (!acks.isEmpty() && acks.peekFirst()[0] <= now) {
                        long[] ack = acks.pollFirst();
                        unacked -= ack[1];
                        if (openedAt == NONE && unacked < options.window) {
                            openedAt = ack[0];
                        }
                    }
                    long room = options.window - unacked;
                    if (room > 0) {
                        return new long[] {room, waited ? openedAt : NONE};
                    }
                    waited = true;
                    if (acks.isEmpty()) {
                        acked.await();
                    } else {
                        acked.awaitNanos(acks.peekFirst()[0] - now);
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        void writeLoop() {
            long written = Long.MIN_VALUE; // when the previous chunk was written, in the path's time
            try {
                while (true) {
                    Chunk c = queue.take();
                    sleepUntil(c.releaseNanos());
                    if (c.data() == null) {
                        finish();
                        return;
                    }
                    long w0 = System.nanoTime();
                    out.write(c.data());
                    long t = System.nanoTime();
                    if (!up) {
                        http.feed(c.data(), 0, c.data().length, t); // a response ends when the client has it
                    }
                    // The acknowledgement leaves when the chunk arrived (its release time), later only by the time
                    // the receiver kept us waiting in write(): a late wake-up of this thread does not shrink the
                    // path's throughput.
                    written = Math.max(c.releaseNanos(), written) + (t - w0);
                    lock.lock();
                    try {
                        // a reader waiting on a non-empty list already sleeps until its head is due
                        if (acks.isEmpty()) {
                            acked.signal();
                        }
                        acks.addLast(new long[] {written + options.rttNanos / 2, c.data().length});
                    } finally {
                        lock.unlock();
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                conn.close();
            }
        }

        void finish() {
            if (!up) {
                http.endOfStream(System.nanoTime());
            }
            try {
                dst.shutdownOutput();
            } catch (IOException e) {
                conn.close();
                return;
            }
            conn.pipeDone();
        }
    }

    // ------------------------------------------------------------------ HTTP/1.1 framing, to time requests

    static final class HttpStream {
        enum State { HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, TRAILER, UNTIL_CLOSE, BROKEN }

        static final int MAX_HEAD = 64 << 10;
        final Conn conn;
        final boolean request;
        State state = State.HEAD;
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        final StringBuilder line = new StringBuilder();
        int crlf; // progress through "\r\n\r\n"
        long remaining;
        /** Status of the response being read (responses only). */
        int status;

        HttpStream(Conn conn, boolean request) {
            this.conn = conn;
            this.request = request;
        }

        void feed(byte[] b, int off, int len, long t) {
            if (state == State.BROKEN) {
                return;
            }
            int i = off;
            int end = off + len;
            while (i < end && state != State.BROKEN) {
                int from = i;
                switch (state) {
                    case HEAD -> {
                        while (i < end && crlf < 4) {
                            byte c = b[i++];
                            crlf = (c == '\r' && (crlf == 0 || crlf == 2)) ? crlf + 1
                                    : (c == '\n' && (crlf == 1 || crlf == 3)) ? crlf + 1
                                    : (c == '\r') ? 1 : 0;
                        }
                        head.write(b, from, i - from);
                        if (crlf == 4) {
                            crlf = 0;
                            String h = head.toString(StandardCharsets.ISO_8859_1);
                            head.reset();
                            if (!request) {
                                count(h.length()); // the response head belongs to the oldest pending request
                            }
                            if (!h.isBlank()) {
                                onHead(h, t);
                            }
                            if (request) {
                                count(h.length()); // after onHead: the request head starts a new request
                            }
                        } else if (head.size() > MAX_HEAD) {
                            broken();
                        }
                    }
                    case FIXED, CHUNK_DATA -> {
                        int k = (int) Math.min(remaining, end - i);
                        i += k;
                        count(k);
                        remaining -= k;
                        if (remaining == 0) {
                            if (state == State.FIXED) {
                                messageEnded(t);
                            } else {
                                state = State.CHUNK_CRLF;
                                remaining = 2;
                            }
                        }
                    }
                    case CHUNK_CRLF -> {
                        int k = (int) Math.min(remaining, end - i);
                        i += k;
                        count(k);
                        remaining -= k;
                        if (remaining == 0) {
                            state = State.CHUNK_SIZE;
                        }
                    }
                    case CHUNK_SIZE, TRAILER -> {
                        while (i < end) {
                            char c = (char) (b[i++] & 0xff);
                            if (c == '\n') {
                                String l = line.toString().trim();
                                line.setLength(0);
                                count(i - from);
                                from = i;
                                if (state == State.CHUNK_SIZE) {
                                    chunkSize(l);
                                } else if (l.isEmpty()) {
                                    messageEnded(t);
                                }
                                break;
                            }
                            line.append(c);
                            if (line.length() > MAX_HEAD) {
                                broken();
                                break;
                            }
                        }
                        count(i - from);
                    }
                    case UNTIL_CLOSE -> {
                        count(end - i);
                        i = end;
                    }
                    default -> i = end;
                }
            }
        }

        void count(int n) {
            if (n <= 0) {
                return;
            }
            if (request) {
                conn.requestBytes(n);
            } else {
                Request r = conn.oldestPending();
                if (r != null) {
                    synchronized (conn) {
                        r.respBytes += n;
                    }
                }
            }
        }

        void chunkSize(String l) {
            int semi = l.indexOf(';');
            String hex = (semi >= 0 ? l.substring(0, semi) : l).trim();
            try {
                long size = Long.parseLong(hex, 16);
                if (size == 0) {
                    state = State.TRAILER;
                } else {
                    remaining = size;
                    state = State.CHUNK_DATA;
                }
            } catch (NumberFormatException e) {
                broken();
            }
        }

        void onHead(String h, long t) {
            String[] lines = h.split("\r\n");
            String first = lines[0];
            long length = -1;
            boolean chunked = false;
            boolean expect100 = false;
            for (int k = 1; k < lines.length; k++) {
                int colon = lines[k].indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = lines[k].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[k].substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> length = parseLength(value);
                    case "transfer-encoding" -> chunked = value.endsWith("chunked");
                    case "expect" -> expect100 = value.equals("100-continue");
                    default -> { }
                }
            }
            String[] parts = first.split(" ", 3);
            if (request) {
                if (parts.length < 3 || !parts[2].startsWith("HTTP/")) {
                    broken();
                    return;
                }
                conn.requestStarted(parts[0], parts[1], expect100, t);
                body(chunked, length, false, t);
            } else {
                int status;
                try {
                    status = parts.length >= 2 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -2;
                } catch (NumberFormatException e) {
                    status = -2;
                }
                if (status < 100) {
                    broken();
                    return;
                }
                if (status < 200) {
                    if (status == 100) {
                        conn.continued(t);
                    }
                    state = State.HEAD; // interim response: the final one follows
                    return;
                }
                this.status = status;
                Request r = conn.oldestPending();
                boolean noBody = (r != null && r.method.equals("HEAD")) || status == 204 || status == 304;
                if (noBody) {
                    messageEnded(t);
                } else {
                    body(chunked, length, true, t);
                }
            }
        }

        void body(boolean chunked, long length, boolean orUntilClose, long t) {
            if (chunked) {
                state = State.CHUNK_SIZE;
            } else if (length > 0) {
                remaining = length;
                state = State.FIXED;
            } else if (length == 0 || !orUntilClose) {
                state = State.HEAD;
                if (!request) {
                    messageEnded(t);
                }
            } else {
                state = State.UNTIL_CLOSE;
            }
        }

        static long parseLength(String v) {
            try {
                return Long.parseLong(v.split(",")[0].trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        void messageEnded(long t) {
            state = State.HEAD;
            if (!request) {
                conn.responseEnded(status, t);
            }
        }

        void endOfStream(long t) {
            if (!request && state == State.UNTIL_CLOSE) {
                messageEnded(t);
            }
        }

        void broken() {
            state = State.BROKEN;
            conn.markUnparsed();
        }
    }

    // ------------------------------------------------------------------ events, stats, helpers

    static final class Events {
        final Writer out;

        Events(Path file) throws IOException {
            out = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        }

        void log(String kind, long conn) {
            logAt(System.nanoTime(), kind, conn, null);
        }

        void logAt(long nanos, String kind, long conn, String rest) {
            if (out == null) {
                return;
            }
            long e = START_EPOCH_NANOS + (nanos - START_NANO);
            String line = kind + " " + (e / 1_000_000_000L) + "." + String.format(Locale.ROOT, "%06d",
                    (e % 1_000_000_000L) / 1000) + " " + conn + (rest == null ? "" : " " + rest) + "\n";
            synchronized (this) {
                try {
                    out.write(line);
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }
        }

        synchronized void flush() {
            try {
                if (out != null) {
                    out.flush();
                }
            } catch (IOException ignored) {
                // the next flush tries again
            }
        }

        synchronized void close() {
            try {
                if (out != null) {
                    out.close();
                }
            } catch (IOException ignored) {
                // exiting anyway
            }
        }
    }

    static String summary() {
        double up = seconds();
        return String.format(Locale.ROOT, "uptime_s=%.1f connections_opened=%d connections_open=%d "
                        + "connections_peak=%d bytes_up=%d bytes_down=%d requests=%d requests_in_flight=%d "
                        + "requests_in_flight_peak=%d continues=%d unparsed_connections=%d", up,
                CONNS_OPENED.get(), CONNS_OPEN.get(), CONNS_PEAK.get(), BYTES_UP.get(), BYTES_DOWN.get(),
                REQUESTS.get(), IN_FLIGHT.get(), IN_FLIGHT_PEAK.get(), CONTINUES.get(), UNPARSED_CONNS.get());
    }

    static synchronized void writeStats() {
        if (options.stats == null) {
            return;
        }
        try {
            Path tmp = options.stats.resolveSibling(options.stats.getFileName() + ".tmp");
            Files.writeString(tmp, summary().replace(' ', '\n') + "\n");
            Files.move(tmp, options.stats, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("WanProxy: cannot write " + options.stats + ": " + e.getMessage());
        }
    }

    static double seconds() {
        return (System.nanoTime() - START_NANO) / 1e9;
    }

    static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    static void sleepNanos(long nanos) {
        try {
            sleepUntil(System.nanoTime() + nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Thread thread(String name, Runnable r) {
        Thread t = new Thread(null, r, name, 256 << 10);
        t.start();
        return t;
    }

    static void daemon(String name, Runnable r) {
        Thread t = new Thread(null, r, name, 256 << 10);
        t.setDaemon(true);
        t.start();
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
