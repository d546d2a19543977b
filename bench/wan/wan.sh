# shellcheck shell=bash
# WAN mode of bench/run.sh (`bench/run.sh --wan [--quick]`), sourced by run.sh after bench/lib.sh.
# S3Proxy (filesystem backend, its shipped defaults) sits behind bench/wan/WanProxy.java; for each path profile
# (RTT and link rate) a proxy and a fresh Chute daemon are started, and Chute, `aws s3 cp` and rclone upload the
# same data through the proxy: SMALL_N x SMALL_BYTES files, then one FILE_BYTES file, RUNS times in rotating
# order. The proxy's event log says, per run, how many connections and requests each tool used and when.
# Knobs (environment): RUNS (3; --quick 1), SMALL_N (1000; --quick 200), SMALL_BYTES (65536), FILE_BYTES
#   (1 GiB; --quick 128 MiB), WAN_PROFILES ("0:0 40:125M 80:25M", rtt_ms:rate in bytes/s, 0 = no cap),
#   WAN_WINDOW (4MiB, per connection and direction), WAN_TOOLS ("chute aws-default rclone-default rclone-tuned"),
#   WAN_CASES ("small one"), WAN_WARMUP_N (100 small files for the warm-up drop), CHUTE_QUIET_PERIOD (500ms),
#   CHUTE_EXTRA_OPTS, SERVER_XMX, AWS_BIN, WAN_STORE_DIR (where S3Proxy keeps the objects: /dev/shm/chute-bench-store
#   when /dev/shm has room for four big files, else beside its log; "disk" forces the latter), WAN_SERVER (s3proxy;
#   rgw: Ceph RGW from bench/servers/ceph-rgw.sh, objects in its OSD's memory, RGW_MEMSTORE_BYTES 6 GiB).
# The big file's object is deleted after each run (the store's directory would otherwise fill memory on tmpfs).
# Results: stdout and bench/results/<timestamp>-wan.md. Scratch: bench/work/wan/ (proxy events and stats).

RESULTS="$RESULTS_DIR/$STAMP-wan.md"
RUNS=${RUNS:-$([ "$QUICK" = 1 ] && echo 1 || echo 3)}
SMALL_N=${SMALL_N:-$([ "$QUICK" = 1 ] && echo 200 || echo 1000)}
SMALL_BYTES=${SMALL_BYTES:-65536}
FILE_BYTES=${FILE_BYTES:-$([ "$QUICK" = 1 ] && echo $((128 * 1024 * 1024)) || echo $((1024 * 1024 * 1024)))}
CHUTE_QUIET_PERIOD=${CHUTE_QUIET_PERIOD:-500ms}
WAN_PROFILES=${WAN_PROFILES:-"0:0 40:125M 80:25M"}
WAN_WINDOW=${WAN_WINDOW:-4MiB}
WAN_TOOLS=${WAN_TOOLS:-"chute aws-default rclone-default rclone-tuned"}
WAN_CASES=${WAN_CASES:-"small one"}
WAN_WARMUP_N=${WAN_WARMUP_N:-100}
KEEP_OBJECTS=1                     # small-file objects stay (unique prefixes); S3Proxy's directory goes at exit
WAN_SERVER=${WAN_SERVER:-s3proxy} # or rgw: Ceph RGW, whose CompleteMultipartUpload links the parts instead of copying them
# The store's disk is not what this mode measures: S3Proxy's filesystem backend copies every part into the object
# after CompleteMultipartUpload, and on the host's disk that copy took 0.8 to 3.3 s for 1 GiB from run to run
# (write-back), more than the differences between clients. On tmpfs it is a memory copy, the same for every tool.
if [ -z "${WAN_STORE_DIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] \
    && [ "$(df -B1 --output=avail /dev/shm | tail -1)" -gt $((4 * FILE_BYTES)) ]; then
  WAN_STORE_DIR=/dev/shm/chute-bench-store
fi
[ "${WAN_STORE_DIR:-}" = disk ] && WAN_STORE_DIR=
[ -n "${WAN_STORE_DIR:-}" ] && [ "$WAN_SERVER" = s3proxy ] && SERVER_DATA_DIR=$WAN_STORE_DIR

bench_init
ensure_prereqs
build_chute
WAN_WORK="$WORK/wan"
rm -rf "$WAN_WORK" "$WORK/assembly.tsv" "$WORK/window.txt"
mkdir -p "$WAN_WORK"
WINDOWS="$WAN_WORK/windows.tsv"   # case profile tool run t0 t1 key-fragment
: > "$WINDOWS"
: > "$WAN_WORK/profiles.tsv"      # profile rtt_ms rate_bytes_per_s
declare -A PROXY_PID

# Starts WanProxy in front of the S3 server for one profile; TOOL_ENDPOINT[profile] becomes the proxy.
start_wan_proxy() { # profile rtt_ms rate
  local p=$1 port listen i
  port=$(free_port)
  java -Xmx512m -Xss256k -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true "$BENCH_DIR/wan/WanProxy.java" --listen "$port" \
    --to "${ENDPOINT[$WAN_SERVER]##*:}" --rtt "${2}ms" --rate "$3" --window "$WAN_WINDOW" \
    --events "$WAN_WORK/events-$p.log" --stats "$WAN_WORK/stats-$p.txt" --max-seconds 7200 \
    2> "$WAN_WORK/proxy-$p.log" &
  PROXY_PID[$p]=$!
  PIDS+=($!)
  TOOL_ENDPOINT[$p]="http://127.0.0.1:$port"
  for ((i = 0; i < 300; i++)); do
    curl -s -o /dev/null --max-time 5 "${TOOL_ENDPOINT[$p]}/" && break
    sleep 0.1
  done
  listen=$(ss -ltnp 2>/dev/null | grep "pid=${PROXY_PID[$p]}," | awk '{print $4}' | tr '\n' ' ' || true)
  log "WanProxy for $p: ${TOOL_ENDPOINT[$p]} -> ${ENDPOINT[$WAN_SERVER]}, rtt ${2} ms, rate $3, window $WAN_WINDOW (listening: ${listen:-?})"
  case "$listen" in *'*:'*|*'0.0.0.0:'*|*'[::]:'*|'') echo "WanProxy listens beyond loopback or not at all: '$listen'" >&2; exit 1 ;; esac
}
rate_bytes() { # 125M -> 125000000 (the proxy's size syntax)
  python3 -c "
import sys; v = sys.argv[1]
for u, m in (('KiB', 1024), ('MiB', 2**20), ('GiB', 2**30), ('k', 1e3), ('K', 1e3), ('M', 1e6), ('G', 1e9)):
    if v.endswith(u): print(int(float(v[:-len(u)]) * m)); break
else: print(int(v))" "$1"
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# An unrecorded drop of WAN_WARMUP_N small files, so the daemon's small-file path is warm (as in a long-running
# daemon).
chute_warm_small() { # profile
  local p=$1 d="$WORK/staging/warm-small" i
  rm -rf "$d" && mkdir -p "$d"
  for ((i = 0; i < WAN_WARMUP_N; i++)); do head -c "$SMALL_BYTES" /dev/urandom > "$d/w$i.bin"; done
  mv "$d" "$WORK/drop/$p/warm-small"
  for ((i = 0; i < 6000; i++)); do
    [ -z "$(find "$WORK/drop/$p/warm-small" -type f -print -quit)" ] && break
    sleep 0.1
  done
  rm -rf "$WORK/drop/$p/warm-small"
  remove_prefix "$p" "chute/warm-small/"
}

run_one() { # case profile tool run
  local c=$1 p=$2 tool=$3 run=$4 res frag bytes sc0 sw0 w0=- w1=-
  sc0=$(proc_cpu "${SERVER_PID[$p]}"); sw0=$(server_wbytes "${SERVER_PID[$p]}")
  rm -f "$WORK/window.txt"
  case "$c/$tool" in
    # every key names the profile: the objects stay (KEEP_OBJECTS), and rclone skips a file whose object already
    # exists with its size and mtime, so a prefix reused by the next profile made rclone's later runs no-ops
    small/chute) res=$(chute_small_drop "$p" "$p-$run"); frag="chute/small-$p-$run/" ;;
    small/*) res=$(peer_small "$p" "$tool" "$p-$run"); frag="$tool/small-$p-$run/" ;;
    one/chute) res=$(chute_drop "$p" "$WAN_FILE" "file-wan-$p-$run.bin"); frag="chute/file-wan-$p-$run.bin" ;;
    one/*) res=$(peer_upload "$p" "$tool" "$WAN_FILE" "$tool/file-wan-$p-$run.bin"); frag="$tool/file-wan-$p-$run.bin" ;;
  esac
  [ "$c" = small ] && bytes=$((SMALL_N * SMALL_BYTES)) || bytes=$FILE_BYTES
  server_cpu "$c" "$p" "$tool" "$sc0" "$sw0"
  record "$c" "$p" "$tool" "$run" "$res" "$bytes"
  [ -f "$WORK/window.txt" ] && read -r w0 w1 < "$WORK/window.txt"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$p" "$tool" "$run" "$w0" "$w1" "$frag" >> "$WINDOWS"
  if [ "$c" = one ]; then delete_object "$WAN_SERVER" "$frag"; fi # (a bare && would end run_one with status 1)
}

# ================================================================= run
log "WAN mode: profiles '$WAN_PROFILES', window $WAN_WINDOW, runs $RUNS, $SMALL_N x $SMALL_BYTES B files, one file of $FILE_BYTES B"
log "tools: $WAN_TOOLS; aws = $AWS_BIN ($("$AWS_BIN" --version 2>&1 | head -1)); rclone: $(rclone version 2>/dev/null | head -1); java: $(java -version 2>&1 | head -1)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$WORK/data"
WAN_FILE="$WORK/data/file-wan.bin"
[[ " $WAN_CASES " == *" one "* ]] && make_random "$WAN_FILE" "$FILE_BYTES"
[[ " $WAN_CASES " == *" small "* ]] && make_small_set
echo "$SMALL_N" > "$WORK/small-n.txt"
start_server "$WAN_SERVER"

for prof in $WAN_PROFILES; do
  rtt=${prof%%:*} rate=${prof#*:}
  p="rtt$rtt"
  ENDPOINT[$p]=${ENDPOINT[$WAN_SERVER]}
  SERVER_PID[$p]=${SERVER_PID[$WAN_SERVER]}
  start_wan_proxy "$p" "$rtt" "$rate"
  printf '%s\t%s\t%s\n' "$p" "$rtt" "$(rate_bytes "$rate")" >> "$WAN_WORK/profiles.tsv"
  if [[ " $WAN_TOOLS " == *" chute "* ]]; then
    start_chute "$p"
    head -c $((64 * 1024 * 1024)) /dev/urandom > "$WORK/data/warmup.bin"
    chute_drop "$p" "$WORK/data/warmup.bin" warmup.bin > /dev/null
    rm -f "$WORK/data/warmup.bin"
    [[ " $WAN_CASES " == *" small "* ]] && chute_warm_small "$p"
    log "chute for $p warmed up"
  fi
  for ((run = 1; run <= RUNS; run++)); do
    for c in $WAN_CASES; do
      read -r -a order <<< "$WAN_TOOLS"
      shift_by=$(( (run - 1) % ${#order[@]} ))
      order=("${order[@]:$shift_by}" "${order[@]:0:$shift_by}")
      for tool in "${order[@]}"; do run_one "$c" "$p" "$tool" "$run"; done
    done
  done
  if [[ " $WAN_TOOLS " == *" chute "* ]]; then
    cp "${CHUTE_LOG[$p]}" "$WAN_WORK/chute-$p.log"
    stop_pid "${CHUTE_PID[$p]}"
  fi
  stop_pid "${PROXY_PID[$p]}"
  log "WanProxy $p: $(tail -1 "$WAN_WORK/proxy-$p.log")"
done

# ---------------------------------------------------------------- report
{
  echo "# Chute WAN benchmark $STAMP"
  echo
  echo "Command: \`bench/run.sh $*\` (runs per tool: $RUNS). Host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr); client, proxy and server share the cores."
  echo "Path: \`bench/wan/WanProxy.java\` between every client and S3Proxy (filesystem backend$([ -n "${WAN_STORE_DIR:-}" ] && echo " on tmpfs ($WAN_STORE_DIR)" || echo " on the host's disk"), shipped defaults, SigV4 verified), per profile: RTT (half each way, plus one RTT for each new connection's handshake), one link per direction shared by all connections at the rate (token bucket without burst), at most $WAN_WINDOW unacknowledged per connection and direction. No loss, no slow start."
  echo "Chute: \`$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')\`$(cd "$REPO" && git diff --quiet HEAD -- src pom.xml 2>/dev/null || echo ' (+uncommitted changes)'), JVM flags \`${CHUTE_JVM_FLAGS[*]}\`, chute.upload.* defaults, quiet-period $CHUTE_QUIET_PERIOD (included in drop→verified); one fresh daemon per profile, warmed by a 64 MiB drop and $WAN_WARMUP_N small files. ${CHUTE_EXTRA_OPTS:+Extra: \`$CHUTE_EXTRA_OPTS\`.}"
  echo "Peers: $("$AWS_BIN" --version 2>&1 | head -1 | cut -d' ' -f1) (\`aws s3 cp\`, defaults: 10 requests, 8 MB parts), $(rclone version 2>/dev/null | head -1) (\`rclone copy\`/\`copyto\` with \`--s3-no-check-bucket\`; rclone-default: 4 transfers, 4 × 5 MiB parts per file; rclone-tuned: \`--transfers 16 --s3-upload-concurrency 16\`)."
  echo "Data: $SMALL_N files × $SMALL_BYTES B and one file of $FILE_BYTES B, random bytes, page-cached. MB = 10^6 bytes."
  echo "Load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) (other processes on the host are not controlled)."
  echo
  python3 "$BENCH_DIR/wan/report.py" "$WORK" "$WAN_WORK"
  echo
  echo "<details><summary>raw samples (case, profile, tool, run, seconds, bytes, peak RSS KiB, CPU s) and run windows</summary>"
  echo
  echo '```'
  cat "$SAMPLES"
  echo
  cat "$WINDOWS"
  echo '```'
  echo "</details>"
} | tee "$RESULTS"
log "results written to $RESULTS"
