#!/usr/bin/env bash
# Self-test of bench/wan/WanProxy.java: does the proxy model a WAN path as it claims?
# Usage: bench/wan/selftest.sh            (about 1 minute; needs java 17+, python3, curl)
# Starts a small HTTP/1.1 test server (python, keep-alive, 100-continue) and WanProxy instances on 127.0.0.1 and
# checks, printing measured against expected figures:
#   1. a request on a fresh connection pays 2 RTT (TCP handshake + request/response), a reused one 1 RTT;
#   2. one connection's throughput is min(window / RTT, rate), downloading and uploading;
#   3. parallel connections share the rate cap (the sum stays at the cap, the connections get similar shares);
#   4. bytes arrive intact and in order under delay and cap (SHA-256 both ways);
#   5. hundreds of concurrent connections work, and the proxy counts them and their requests in flight;
#   6. at RTT 0 without cap, the proxy costs little: throughput and per-request latency against a direct connection.
# Exit status 0 when every check passes. Everything listens on 127.0.0.1 only.
set -Eeuo pipefail
WAN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for c in java python3 curl; do command -v "$c" > /dev/null || { echo "missing: $c" >&2; exit 1; }; done
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2> /dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2> /dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# ------------------------------------------------------------------ test server
cat > "$TMP/server.py" <<'PY'
import hashlib, http.server, socketserver, sys, time
BLOCK = bytes(range(256)) * 4096 * 4            # 4 MiB pattern; GET /bytes/N serves N bytes of it, repeated
stored = {}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"               # keep-alive, and 100 Continue for "Expect: 100-continue"
    disable_nagle_algorithm = True              # head and body are two writes: no 40 ms delayed-ACK stall
    def log_message(self, *a): pass
    def reply(self, body, code=200):
        self.send_response(code); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        p = self.path.split("/")
        if p[1] == "bytes":
            n = int(p[2]); self.send_response(200); self.send_header("Content-Length", str(n)); self.end_headers()
            mv = memoryview(BLOCK)
            while n > 0:
                k = min(n, len(BLOCK)); self.wfile.write(mv[:k]); n -= k
        elif p[1] == "hold":                     # GET /hold/MS: answer after MS milliseconds
            time.sleep(int(p[2]) / 1000); self.reply(b"ok")
        elif p[1] == "stored":                   # the body of the last PUT /stored
            self.reply(stored.get("x", b""))
        else:
            self.reply(b"x")
    def do_PUT(self):
        n = int(self.headers["Content-Length"]); h = hashlib.sha256(); keep = self.path == "/stored"; buf = []
        while n > 0:
            b = self.rfile.read(min(n, 1 << 20)); h.update(b); n -= len(b)
            if keep: buf.append(b)
        if keep: stored["x"] = b"".join(buf)
        self.reply(h.hexdigest().encode())
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True; request_queue_size = 1024
S(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
SRV_PORT=$(free_port)
python3 "$TMP/server.py" "$SRV_PORT" & PIDS+=($!)
for ((i = 0; i < 50; i++)); do curl -s -o /dev/null "http://127.0.0.1:$SRV_PORT/x" && break; sleep 0.1; done

# Starts a proxy; sets PROXY (url) and PROXY_PID. Args: WanProxy options after --listen/--to.
start_proxy() {
  local port; port=$(free_port)
  java -Xmx512m -Xss256k -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true "$WAN_DIR/WanProxy.java" --listen "$port" --to "$SRV_PORT" --max-seconds 300 \
    --stats "$TMP/stats.txt" --events "$TMP/events.log" "$@" 2>> "$TMP/proxy.err" &
  PROXY_PID=$!; PIDS+=("$PROXY_PID")
  PROXY="http://127.0.0.1:$port"
  for ((i = 0; i < 600; i++)); do curl -s -o /dev/null "$PROXY/x" && break; sleep 0.1; done  # javac runs first
  # warm the proxy's JIT: 60 requests on fresh connections, 10 at a time, and a 1 MB transfer
  local urls=()
  for ((i = 0; i < 60; i++)); do urls+=(-o /dev/null "$PROXY/x"); done
  curl -s --no-progress-meter --parallel --parallel-max 10 -H 'Connection: close' "${urls[@]}" 2> /dev/null || true
  curl -s -o /dev/null "$PROXY/bytes/1000000"
}
stop_proxy() { kill "$PROXY_PID"; wait "$PROXY_PID" 2> /dev/null || true; }
stat_of() { awk -F= -v k="$1" '$1 == k { print $2 }' "$TMP/stats.txt"; }

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores; timing checks need a host that is not saturated)"
FAILS=0
check() { # name measured expected tolerance_fraction unit
  local ok
  ok=$(awk -v m="$2" -v e="$3" -v t="$4" 'BEGIN { d = m - e; if (d < 0) d = -d; print (d <= t * e) ? "PASS" : "FAIL" }')
  [ "$ok" = PASS ] || FAILS=$((FAILS + 1))
  printf '%-4s  %-62s measured %10s %-5s expected %10s (±%s%%)\n' "$ok" "$1" "$2" "$5" "$3" \
    "$(awk -v t="$4" 'BEGIN { printf "%.0f", t * 100 }')"
}
check_max() { # name measured limit unit
  local ok
  ok=$(awk -v m="$2" -v l="$3" 'BEGIN { print (m <= l) ? "PASS" : "FAIL" }')
  [ "$ok" = PASS ] || FAILS=$((FAILS + 1))
  printf '%-4s  %-62s measured %10s %-5s at most  %10s\n' "$ok" "$1" "$2" "$4" "$3"
}
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / s / 1e6 }'; }

echo "== 1. latency (curl: two requests on one connection; time to first response byte)"
for rtt in 40 80; do
  start_proxy --rtt "${rtt}ms"
  read -r a b < <(curl -s -o /dev/null -o /dev/null -w '%{time_starttransfer} ' "$PROXY/x" "$PROXY/x"; echo)
  check "rtt ${rtt} ms: first request on a new connection (handshake + 1 RTT)" "$(ms "$a")" $((2 * rtt)) 0.10 ms
  check "rtt ${rtt} ms: second request, same connection (1 RTT)" "$(ms "$b")" "$rtt" 0.10 ms
  stop_proxy
done

echo "== 2. one connection: throughput = min(window / RTT, rate)   (MB = 10^6 bytes; time from first response byte)"
one_conn() { # label size expected_MBps direction(get|put)
  local out t0 t1
  if [ "$4" = get ]; then
    out=$(curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{size_download}' "$PROXY/bytes/$2")
  else
    head -c "$2" /dev/urandom > "$TMP/up.bin"
    out=$(curl -s -o /dev/null -T "$TMP/up.bin" -H 'Expect:' -w '%{time_pretransfer} %{time_total} %{size_upload}' "$PROXY/put")
  fi
  read -r t0 t1 n <<< "$out"
  # download: bytes after the first arrive in (total - starttransfer); upload: from the first byte sent to the
  # response (one extra half RTT for the last byte to arrive and the answer to come back is subtracted too)
  check "$1" "$(mbs "$n" "$(awk -v a="$t0" -v b="$t1" -v r="${RTT_S:-0}" 'BEGIN { print b - a - r }')")" "$3" 0.08 MB/s
}
start_proxy --rtt 40ms --window 4MiB --rate 0
RTT_S=0 one_conn "rtt 40, window 4 MiB, no cap: GET 200 MB (4 MiB/40 ms)" 200000000 104.9 get
RTT_S=0.04 one_conn "rtt 40, window 4 MiB, no cap: PUT 200 MB" 200000000 104.9 put
stop_proxy
start_proxy --rtt 80ms --window 1MiB --rate 0
RTT_S=0 one_conn "rtt 80, window 1 MiB, no cap: GET 50 MB (1 MiB/80 ms)" 50000000 13.1 get
stop_proxy
start_proxy --rtt 40ms --window 4MiB --rate 125M
RTT_S=0 one_conn "rtt 40, window 4 MiB, cap 125 MB/s: GET 200 MB (window-bound)" 200000000 104.9 get
stop_proxy
start_proxy --rtt 80ms --window 4MiB --rate 25M
RTT_S=0 one_conn "rtt 80, window 4 MiB, cap 25 MB/s: GET 100 MB (cap-bound)" 100000000 25.0 get
RTT_S=0.08 one_conn "rtt 80, window 4 MiB, cap 25 MB/s: PUT 100 MB" 100000000 25.0 put
stop_proxy

echo "== 3. parallel connections share the cap (one curl, 8 transfers at once: aggregate = total bytes / wall time)"
parallel_get() { # label n each_bytes expected_aggregate_MBps
  local i args=() t0 t1
  for ((i = 0; i < $2; i++)); do args+=(-o /dev/null "$PROXY/bytes/$3"); done
  t0=$(date +%s.%N)
  curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max "$2" -w '%{speed_download}\n' \
    "${args[@]}" > "$TMP/par.txt" 2> /dev/null
  t1=$(date +%s.%N)
  check "$1" "$(mbs $(($2 * $3)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")" "$4" 0.10 MB/s
  echo "      per connection MB/s: $(awk '{ printf "%.1f ", $1 / 1e6 }' "$TMP/par.txt")"
}
start_proxy --rtt 40ms --window 4MiB --rate 125M
parallel_get "rtt 40, window 4 MiB, cap 125 MB/s, 8 connections x 50 MB" 8 50000000 125
stop_proxy
start_proxy --rtt 80ms --window 4MiB --rate 25M
parallel_get "rtt 80, window 4 MiB, cap 25 MB/s, 8 connections x 12.5 MB" 8 12500000 25
stop_proxy

echo "== 4. integrity under delay and cap (rtt 40, cap 125 MB/s, window 256 KiB, 8 KiB buffer: many small chunks)"
start_proxy --rtt 40ms --window 256KiB --rate 125M --buffer 8KiB
head -c 30000000 /dev/urandom > "$TMP/int.bin"
want=$(sha256sum < "$TMP/int.bin" | cut -d' ' -f1)
got_up=$(curl -s -T "$TMP/int.bin" "$PROXY/stored")
got_down=$(curl -s "$PROXY/stored" | sha256sum | cut -d' ' -f1)
for pair in "upload:$got_up" "download:$got_down"; do
  if [ "${pair#*:}" = "$want" ]; then echo "PASS  ${pair%%:*} of 30 MB random bytes: SHA-256 equal"; else
    echo "FAIL  ${pair%%:*}: SHA-256 ${pair#*:} != $want"; FAILS=$((FAILS + 1)); fi
done
continues=$(grep -c '^CONT ' "$TMP/events.log" || true)
[ "$continues" -ge 1 ] && echo "PASS  curl's 'Expect: 100-continue' seen as an interim response ($continues CONT event)" \
  || { echo "FAIL  no 100 Continue seen"; FAILS=$((FAILS + 1)); }
stop_proxy

echo "== 5. 300 concurrent connections: all connect, then each sends one request the server holds for 2 s (rtt 40)"
start_proxy --rtt 40ms --rate 125M
python3 - "$PROXY" 300 > "$TMP/many.txt" <<'PY'
import http.client, sys, threading, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); n = int(sys.argv[2]); ok = []; took = []
conns = [http.client.HTTPConnection(u.hostname, u.port, timeout=60) for _ in range(n)]
for c in conns: c.connect()
go = threading.Barrier(n)
def one(c):
    go.wait(); t = time.time(); c.request("GET", "/hold/2000"); r = c.getresponse(); r.read()
    took.append(time.time() - t); ok.append(r.status == 200); c.close()
ts = [threading.Thread(target=one, args=(c,)) for c in conns]
[t.start() for t in ts]; [t.join() for t in ts]
took.sort()
print(sum(ok), "%.3f %.3f" % (took[len(took) // 2], took[-1]))
PY
sleep 1.2   # the stats file is rewritten every second
read -r nok med max < "$TMP/many.txt"
check "300 connections: requests answered" "$nok" 300 0 ""
check_max "300 connections: median request time (2 s hold + 1 RTT = 2.04 s)" "$med" 2.5 s
check "300 connections: peak concurrent connections counted" "$(stat_of connections_peak)" 300 0 ""
check "300 connections: peak requests in flight counted" "$(stat_of requests_in_flight_peak)" 300 0.05 ""
echo "      slowest request: $max s; proxy stats: $(tr '\n' ' ' < "$TMP/stats.txt")"
stop_proxy

echo "== 6. overhead at rtt 0, no cap (each read written straight out)"
start_proxy --rtt 0 --rate 0
direct=$(curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$SRV_PORT/bytes/1000000000")
proxied=$(curl -s -o /dev/null -w '%{speed_download}' "$PROXY/bytes/1000000000")
echo "      GET 1 GB: direct $(awk -v s="$direct" 'BEGIN { printf "%.0f", s / 1e6 }') MB/s, through the proxy $(awk -v s="$proxied" 'BEGIN { printf "%.0f", s / 1e6 }') MB/s"
check "rtt 0: proxied throughput relative to direct (1.0 = no loss; the test server is python)" \
  "$(awk -v a="$proxied" -v b="$direct" 'BEGIN { printf "%.2f", a / b }')" 1.0 0.30 ""
lat() { # url -> median ms per request over 300 requests on one connection
  local args=() i
  for ((i = 0; i < 300; i++)); do args+=(-o /dev/null "$1"); done
  curl -s -w '%{time_total}\n' "${args[@]}" 2> /dev/null | sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int(NR / 2)] * 1000 }'
}
d=$(lat "http://127.0.0.1:$SRV_PORT/x"); p=$(lat "$PROXY/x")
echo "      small GET on a kept-alive connection (median of 300): direct $d ms, through the proxy $p ms"
check_max "rtt 0: latency added per request" "$(awk -v a="$p" -v b="$d" 'BEGIN { printf "%.3f", a - b }')" 0.5 ms
stop_proxy

echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$FAILS" = 0 ] && echo "selftest: all checks passed" || echo "selftest: $FAILS check(s) FAILED"
[ "$FAILS" = 0 ]
