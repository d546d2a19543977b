import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
 *   client's first byte can leave, so its first request is answered after 2 RTT, later ones after 1 RTT.</li>
 *   <li><b>Bandwidth</b>: one link per direction, shared by all connections, serialises the bytes at
 *   {@code --rate} bytes/s (a token bucket with no burst: a chunk of n bytes occupies the link for n/rate
 *   seconds, first come first served), then propagates them for rtt/2.</li>
 *   <li><b>Window</b>: at most {@code --window} bytes of a connection are unacknowledged per direction: a byte
 *   counts from the moment the proxy reads it until rtt/2 after it was delivered to the other side (its
 *   acknowledgement travelling back). So one connection carries at most window/rtt bytes/s, like one TCP
 *   stream whose congestion and receive windows stay at that size.</li>
 * </ul>
 * The model keeps its own clock: a chunk's departure, arrival and acknowledgement times are computed, not
 * taken from when the proxy got round to it, so a late wake-up of the proxy (a busy host) delays delivery a
 * little but does not lower the modelled throughput. Time the receiver makes the proxy wait to write does count
 * (back-pressure). Not modelled: loss, retransmission, reordering, jitter, slow start or any congestion control
 * (the window is open from the first byte), TLS handshakes (unless {@code --connect-rtts} is raised), or
 * queueing limits at the bottleneck (the link's queue is bounded only by the windows).
 *
 * <p>One thread runs everything (non-blocking sockets, one selector, a timer queue), so hundreds of connections
 * cost no threads. At rtt 0 with no rate each read is written straight out (no chunk copy, no timer).
 *
 * <p>Observation: the proxy follows HTTP/1.1 on each connection (request heads and bodies by Content-Length or
 * chunked framing, responses including interim 1xx, HEAD and 204/304 without body), so it can say when each
 * request started (its head read from the client) and ended (the last byte of its final response delivered
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

    /** No time (System.nanoTime() values may be negative, so 0 is a time like any other). */
    static final long NONE = Long.MIN_VALUE;
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
        Loop loop = new Loop();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            events.close();
            writeStats();
            System.err.println("WanProxy summary: " + summary());
        }, "wan-exit"));
        daemon("wan-stats", () -> {
            while (true) {
                LockSupport.parkNanos(1_000_000_000L);
                events.flush();
                writeStats();
            }
        });
        daemon("wan-deadline", () -> {
            long end = System.nanoTime() + options.maxSeconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                LockSupport.parkNanos(end - System.nanoTime());
            }
            System.err.println("WanProxy: --max-seconds " + options.maxSeconds + " reached, exiting");
            System.exit(0);
        });
        System.err.printf(Locale.ROOT, "WanProxy listening on 127.0.0.1:%d -> 127.0.0.1:%d, rtt %.1f ms, rate %s, "
                        + "window %s, connect %d rtt, max %d s%n", loop.port(), options.toPort,
                options.rttNanos / 1e6, options.rate == 0 ? "unlimited" : options.rate + " B/s",
                options.window == 0 ? "unlimited" : options.window + " B", options.connectRtts, options.maxSeconds);
        loop.run();
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

    // ------------------------------------------------------------------ event loop

    /** A timer: runs {@code task} on the loop thread at {@code due} (System.nanoTime()). */
    record Timer(long due, long seq, Runnable task) {
    }

    static final class Loop {
        final Selector selector = Selector.open();
        final ServerSocketChannel server = ServerSocketChannel.open();
        final PriorityQueue<Timer> timers = new PriorityQueue<>(
                (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
        final Link up = options.rate > 0 ? new Link(options.rate) : null;
        final Link down = options.rate > 0 ? new Link(options.rate) : null;
        /** Reused by every read: the bytes are copied into a chunk (or written out at once in direct mode). */
        final ByteBuffer readBuffer = ByteBuffer.allocateDirect(options.buffer);
        long seq;

        Loop() throws IOException {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.listenPort), 1024);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        }

        int port() {
            return server.socket().getLocalPort();
        }

        void at(long due, Runnable task) {
            timers.add(new Timer(due, seq++, task));
        }

        void run() throws IOException {
            while (true) {
                Timer t;
                while ((t = timers.peek()) != null && t.due <= System.nanoTime()) {
                    timers.poll();
                    try {
                        t.task.run();
                    } catch (RuntimeException e) {
                        System.err.println("WanProxy: timer task failed: " + e);
                    }
                }
                long wait = t == null ? 1_000_000_000L : t.due - System.nanoTime();
                if (wait <= 0) {
                    selector.selectNow();
                } else if (wait >= 1_000_000) {
                    selector.select(wait / 1_000_000); // milliseconds: wakes early rather than late
                } else if (selector.selectNow() == 0) {
                    LockSupport.parkNanos(wait);      // under a millisecond: select() cannot wait that little
                    selector.selectNow();
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    try {
                        if (key.channel() == server) {
                            accept();
                        } else {
                            ((Endpoint) key.attachment()).ready(key);
                        }
                    } catch (RuntimeException e) {
                        System.err.println("WanProxy: event handling failed: " + e);
                    }
                }
            }
        }

        void accept() {
            SocketChannel client;
            try {
                while ((client = server.accept()) != null) {
                    long accepted = System.nanoTime();
                    try {
                        new Conn(this, client, accepted);
                    } catch (IOException e) {
                        System.err.println("WanProxy: cannot reach 127.0.0.1:" + options.toPort + ": " + e.getMessage());
                        closeQuietly(client);
                    }
                }
            } catch (IOException e) {
                System.err.println("WanProxy: accept failed: " + e.getMessage());
            }
        }
    }

    /** One direction of the bottleneck, shared by all connections: serialises bytes at {@code rate}. */
    static final class Link {
        final double nanosPerByte;
        long freeAtNanos = NONE;

        Link(long rate) {
            this.nanosPerByte = 1e9 / rate;
        }

        /** Reserves the link for n bytes starting no earlier than {@code earliest}; returns when they are sent. */
        long reserve(long earliest, int n) {
            long start = Math.max(earliest, freeAtNanos);
            freeAtNanos = start + Math.round(n * nanosPerByte);
            return freeAtNanos;
        }
    }

    // ------------------------------------------------------------------ connection and pipes

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

    /** A socket of a connection; its selection key's readiness feeds the pipe it reads for and the one it writes for. */
    record Endpoint(Conn conn, boolean client) {
        void ready(SelectionKey key) {
            conn.ready(key, client);
        }
    }

    static final class Conn {
        static long ids;
        static long requestIds;
        final long id = ++ids;
        final Loop loop;
        final SocketChannel client;
        final SocketChannel upstream;
        final SelectionKey clientKey;
        final SelectionKey upstreamKey;
        final Pipe up;
        final Pipe down;
        final long acceptedNanos;
        boolean connected;
        boolean closed;
        /** Requests whose final response has not reached the client yet, oldest first. */
        final ArrayDeque<Request> pending = new ArrayDeque<>();
        Request current;
        boolean unparsed;

        Conn(Loop loop, SocketChannel client, long accepted) throws IOException {
            this.loop = loop;
            this.client = client;
            this.acceptedNanos = accepted;
            SocketChannel s = SocketChannel.open();
            try {
                s.configureBlocking(false);
                s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                connected = s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.toPort));
            } catch (IOException e) {
                closeQuietly(s);
                throw e;
            }
            upstream = s;
            client.configureBlocking(false);
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            up = new Pipe(this, true, client, upstream, loop.up, accepted + options.connectRtts * options.rttNanos);
            down = new Pipe(this, false, upstream, client, loop.down, accepted);
            clientKey = client.register(loop.selector, 0, new Endpoint(this, true));
            upstreamKey = upstream.register(loop.selector, 0, new Endpoint(this, false));
            CONNS_OPENED.incrementAndGet();
            CONNS_PEAK.accumulateAndGet(CONNS_OPEN.incrementAndGet(), Math::max);
            events.logAt(accepted, "OPEN", id, null);
            updateInterest();
        }

        void ready(SelectionKey key, boolean clientSide) {
            try {
                if (!clientSide && key.isConnectable()) {
                    upstream.finishConnect();
                    connected = true;
                    up.deliver();
                }
                if (key.isValid() && key.isReadable()) {
                    (clientSide ? up : down).readable(NONE);
                }
                if (!closed && key.isValid() && key.isWritable()) {
                    (clientSide ? down : up).deliver();
                }
                updateInterest();
            } catch (IOException | RuntimeException e) {
                close();
            }
        }

        void updateInterest() {
            if (closed) {
                return;
            }
            clientKey.interestOps((up.wantsRead() ? SelectionKey.OP_READ : 0)
                    | (down.waitingWritable ? SelectionKey.OP_WRITE : 0));
            upstreamKey.interestOps(!connected ? SelectionKey.OP_CONNECT
                    : (down.wantsRead() ? SelectionKey.OP_READ : 0) | (up.waitingWritable ? SelectionKey.OP_WRITE : 0));
        }

        void requestStarted(String method, String target, boolean expect100, long t) {
            Request r = new Request(++requestIds, method);
            pending.addLast(r);
            current = r;
            REQUESTS.incrementAndGet();
            IN_FLIGHT_PEAK.accumulateAndGet(IN_FLIGHT.incrementAndGet(), Math::max);
            events.logAt(t, "REQ", id, r.id + " " + method + " " + target + " " + (expect100 ? 1 : 0));
        }

        void requestBytes(int n) {
            if (current != null) {
                current.reqBytes += n;
            }
        }

        void responseBytes(int n) {
            Request r = pending.peekFirst();
            if (r != null) {
                r.respBytes += n;
            }
        }

        String oldestMethod() {
            Request r = pending.peekFirst();
            return r == null ? "" : r.method;
        }

        void continued(long t) {
            Request r = pending.peekFirst();
            CONTINUES.incrementAndGet();
            events.logAt(t, "CONT", id, r == null ? "0" : Long.toString(r.id));
        }

        void responseEnded(int status, long t) {
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

        /** Both directions delivered their end of stream: the connection is over. */
        void pipeFinished() {
            if (up.eofDelivered && down.eofDelivered) {
                close();
            }
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            clientKey.cancel();
            upstreamKey.cancel();
            closeQuietly(client);
            closeQuietly(upstream);
            long t = System.nanoTime();
            while (!pending.isEmpty()) {
                responseEnded(-1, t);
            }
            CONNS_OPEN.decrementAndGet();
            events.logAt(t, "CLOSE", id, up.bytes + " " + down.bytes + " " + (unparsed ? 0 : 1));
        }
    }

    /** A chunk on its way; {@code data == null} is the end of the stream (FIN). */
    static final class Chunk {
        final byte[] data;
        final long releaseNanos;
        int written;
        long writeStartNanos = NONE;

        Chunk(byte[] data, long releaseNanos) {
            this.data = data;
            this.releaseNanos = releaseNanos;
        }
    }

    static final class Pipe {
        final Conn conn;
        final boolean up;
        final SocketChannel src;
        final SocketChannel dst;
        final Link link;
        final long notBeforeNanos;
        final boolean direct;
        final HttpStream http;
        /** Read and not yet completely written, in order. */
        final ArrayDeque<Chunk> queue = new ArrayDeque<>();
        /** Direct mode: the buffer each read goes into and is written out from. */
        final ByteBuffer pendingDirect;
        /** Direct mode: pendingDirect holds bytes (between its position and limit) not yet written. */
        boolean holding;
        long unacked;
        long lastDeparture = NONE;
        long lastWritten = NONE;
        boolean eofRead;
        boolean eofDelivered;
        boolean waitingWritable;
        long bytes;

        Pipe(Conn conn, boolean up, SocketChannel src, SocketChannel dst, Link link, long notBeforeNanos) {
            this.conn = conn;
            this.up = up;
            this.src = src;
            this.dst = dst;
            this.link = link;
            this.notBeforeNanos = notBeforeNanos;
            this.direct = options.rttNanos == 0 && link == null;
            this.pendingDirect = direct ? ByteBuffer.allocateDirect(options.buffer) : null;
            this.http = new HttpStream(conn, up);
        }

        /** How many bytes may be read now: the window's room, or (direct mode) room once the last read is written. */
        long room() {
            if (eofRead || (!up && !conn.connected)) {
                return 0;
            }
            if (direct) {
                return holding ? 0 : options.buffer;
            }
            return options.window == 0 ? options.buffer : options.window - unacked;
        }

        boolean wantsRead() {
            return room() > 0;
        }

        /**
         * Reads what the source has and the window allows. {@code openedAt}: when the window reopened, if this
         * read follows that acknowledgement: bytes already waiting then would have left then.
         */
        void readable(long openedAt) throws IOException {
            long room;
            while (!conn.closed && (room = room()) > 0) {
                ByteBuffer buf = direct ? pendingDirect : conn.loop.readBuffer;
                buf.clear().limit((int) Math.min(buf.capacity(), room));
                int n = src.read(buf);
                if (n == 0) {
                    break;
                }
                long t = System.nanoTime();
                long departure = Math.max(openedAt != NONE ? openedAt : t, lastDeparture);
                openedAt = NONE;
                lastDeparture = departure;
                if (n < 0) {
                    eofRead = true;
                    queue.add(new Chunk(null, releaseAt(departure, 0)));
                    schedule(queue.peekLast().releaseNanos);
                    break;
                }
                bytes += n;
                (up ? BYTES_UP : BYTES_DOWN).addAndGet(n);
                buf.flip();
                if (up) {
                    http.feed(buf, t); // a request starts when the proxy reads it from the client
                }
                if (direct) {
                    holding = true;
                    if (!up) {
                        // parsed before the write: once the client has the answer it may send the next request
                        http.feed(buf, t);
                    }
                    writeDirect();
                    continue;
                }
                byte[] data = new byte[n];
                buf.get(data);
                unacked += n;
                Chunk c = new Chunk(data, releaseAt(departure, n));
                queue.add(c);
                schedule(c.releaseNanos);
            }
        }

        /** When a chunk that leaves at {@code departure} reaches the other side: after the link, rtt/2 later. */
        long releaseAt(long departure, int n) {
            long start = Math.max(departure, notBeforeNanos);
            long sent = link == null || n == 0 ? start : link.reserve(start, n);
            return sent + options.rttNanos / 2;
        }

        /** Delivery runs from the loop's timers, never nested in a read: a late loop must not recurse. */
        void schedule(long due) {
            conn.loop.at(due, this::deliverSafely);
        }

        void deliverSafely() {
            try {
                deliver();
                conn.updateInterest();
            } catch (IOException | RuntimeException e) {
                conn.close();
            }
        }

        /** Direct mode: writes what the buffer holds; a partial write waits for OP_WRITE, and reading pauses. */
        void writeDirect() throws IOException {
            if (up && !conn.connected) {
                return; // written once the upstream connection is established
            }
            dst.write(pendingDirect);
            holding = pendingDirect.hasRemaining();
            waitingWritable = holding;
        }

        /** Writes every chunk that is due, in order; schedules the acknowledgements. */
        void deliver() throws IOException {
            if (conn.closed || (up && !conn.connected)) {
                return;
            }
            if (direct && holding) {
                writeDirect();
                if (holding) {
                    return;
                }
                readable(NONE); // reading paused while the buffer was held; the source may have more
                if (holding) {
                    return;
                }
            }
            Chunk c;
            while (!conn.closed && (c = queue.peekFirst()) != null) {
                long now = System.nanoTime();
                if (c.releaseNanos > now) {
                    break;
                }
                if (c.data == null) {
                    queue.pollFirst();
                    if (!up) {
                        http.endOfStream(now);
                    }
                    dst.shutdownOutput();
                    eofDelivered = true;
                    waitingWritable = false;
                    conn.pipeFinished();
                    return;
                }
                if (c.writeStartNanos == NONE) {
                    c.writeStartNanos = now;
                    if (!up) {
                        // a response ends when the client has it; parsed before the write, because once the client
                        // has it, it may send the next request
                        http.feed(ByteBuffer.wrap(c.data), now);
                    }
                }
                ByteBuffer b = ByteBuffer.wrap(c.data, c.written, c.data.length - c.written);
                c.written += dst.write(b);
                if (c.written < c.data.length) {
                    waitingWritable = true;
                    return;
                }
                waitingWritable = false;
                queue.pollFirst();
                // The acknowledgement leaves when the chunk arrived (its release time), later only by the time the
                // receiver kept it waiting: a late wake-up of this proxy does not shrink the path's throughput.
                lastWritten = Math.max(c.releaseNanos, lastWritten) + (System.nanoTime() - c.writeStartNanos);
                int n = c.data.length;
                long ackDue = lastWritten + options.rttNanos / 2;
                conn.loop.at(ackDue, () -> acknowledgedSafely(n, ackDue));
            }
        }

        void acknowledgedSafely(int n, long due) {
            if (conn.closed) {
                return;
            }
            try {
                acknowledged(n, due);
                conn.updateInterest();
            } catch (IOException | RuntimeException e) {
                conn.close();
            }
        }

        void acknowledged(int n, long due) throws IOException {
            boolean wasFull = options.window > 0 && unacked >= options.window;
            unacked -= n;
            if (wasFull && room() > 0) {
                readable(due);
            }
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

        /** Follows the bytes from b's position to its limit (absolute reads: b itself is not moved). */
        void feed(ByteBuffer b, long t) {
            int i = b.position();
            int end = b.limit();
            while (i < end && state != State.BROKEN) {
                int from = i;
                switch (state) {
                    case HEAD -> {
                        while (i < end && crlf < 4) {
                            byte c = b.get(i++);
                            head.write(c);
                            crlf = (c == '\r' && (crlf == 0 || crlf == 2)) ? crlf + 1
                                    : (c == '\n' && (crlf == 1 || crlf == 3)) ? crlf + 1
                                    : (c == '\r') ? 1 : 0;
                        }
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
                    case FIXED, CHUNK_DATA, CHUNK_CRLF -> {
                        int k = (int) Math.min(remaining, end - i);
                        i += k;
                        count(k);
                        remaining -= k;
                        if (remaining == 0) {
                            if (state == State.FIXED) {
                                messageEnded(t);
                            } else if (state == State.CHUNK_DATA) {
                                state = State.CHUNK_CRLF;
                                remaining = 2;
                            } else {
                                state = State.CHUNK_SIZE;
                            }
                        }
                    }
                    case CHUNK_SIZE, TRAILER -> {
                        while (i < end) {
                            char c = (char) (b.get(i++) & 0xff);
                            if (c == '\n') {
                                String l = line.toString().trim();
                                line.setLength(0);
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
            if (n > 0) {
                if (request) {
                    conn.requestBytes(n);
                } else {
                    conn.responseBytes(n);
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
            String[] parts = lines[0].split(" ", 3);
            if (request) {
                if (parts.length < 3 || !parts[2].startsWith("HTTP/")) {
                    broken();
                    return;
                }
                conn.requestStarted(parts[0], parts[1], expect100, t);
                body(chunked, length, false, t);
                return;
            }
            int code;
            try {
                code = parts.length >= 2 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -2;
            } catch (NumberFormatException e) {
                code = -2;
            }
            if (code < 100) {
                broken();
                return;
            }
            if (code < 200) {
                if (code == 100) {
                    conn.continued(t);
                }
                state = State.HEAD; // interim response: the final one follows
                return;
            }
            status = code;
            if (conn.oldestMethod().equals("HEAD") || code == 204 || code == 304) {
                messageEnded(t);
            } else {
                body(chunked, length, true, t);
            }
        }

        void body(boolean chunked, long length, boolean orUntilClose, long t) {
            if (chunked) {
                state = State.CHUNK_SIZE;
            } else if (length > 0) {
                remaining = length;
                state = State.FIXED;
            } else if (length == 0 || !orUntilClose) {
                messageEnded(t);
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
        return String.format(Locale.ROOT, "uptime_s=%.1f connections_opened=%d connections_open=%d "
                        + "connections_peak=%d bytes_up=%d bytes_down=%d requests=%d requests_in_flight=%d "
                        + "requests_in_flight_peak=%d continues=%d unparsed_connections=%d",
                (System.nanoTime() - START_NANO) / 1e9, CONNS_OPENED.get(), CONNS_OPEN.get(), CONNS_PEAK.get(),
                BYTES_UP.get(), BYTES_DOWN.get(), REQUESTS.get(), IN_FLIGHT.get(), IN_FLIGHT_PEAK.get(),
                CONTINUES.get(), UNPARSED_CONNS.get());
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

    static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
