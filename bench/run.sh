#!/usr/bin/env bash
# Chute benchmarks against peer tools (aws s3 cp, rclone) on two local S3 servers (S3Proxy, S3Mock).
# Usage: bench/run.sh [--quick] [--big] [--keep-work] [--small-only] [--queued] | --wan [--quick]
#   --quick      1 run per tool instead of 3
#   --small-only only the small-files case (SMALL_N files of SMALL_BYTES, default 2,000 x 64 KiB)
#   --queued     also measure Chute's peak RSS with QUEUED_N files waiting (their bucket is missing, so the
#                rule is paused and every file stays tracked or queued)
#   --big        also measure Chute's peak RSS on a BIG_GIB (default 20) GiB sparse-ish file (first server only)
#   --keep-work  do not delete bench/work/ data at the end
#   --wan        the WAN mode instead (bench/wan/wan.sh): S3Proxy behind bench/wan/WanProxy.java at RTT 0, 40
#                and 80 ms; Chute, aws s3 cp and rclone on 1,000 x 64 KiB files and one 1 GiB file
#                (with --quick: 1 run, 200 files, 128 MiB). Results: bench/results/<date>-wan.md
# Environment knobs (optional): RUNS, FILE_BYTES (default 2 GiB), CEILING_OBJ_BYTES (256 MB), CEILING_N (8),
#   AWS_BIN (aws executable, default: first on PATH), CHUTE_QUIET_PERIOD (500ms), SERVERS ("s3proxy s3mock"),
#   TOOLS ("chute aws-default aws-tuned rclone"), CHUTE_EXTRA_OPTS (extra -D flags for the daemon), JFR=1,
#   SERVER_XMX (heap of the S3 servers, default 1g), SMALL_N (2000), SMALL_BYTES (65536),
#   SMALL_TOOLS ("chute aws-default rclone"), CHUTE_WARMUP_SETS (unrecorded small-file drops per daemon before the
#   measured ones, 5), QUEUED_N (files for --queued, default 100000), QUEUED_HISTO=1
#   (keep a heap class histogram and, with CHUTE_EXTRA_OPTS=-XX:NativeMemoryTracking=summary, a native memory
#   summary of the queued daemon in bench/work/), CHUTE_JAR (another build's quarkus-run.jar, e.g. a copy of
#   target/quarkus-app made before a change), SERVER_DATA_DIR (where the S3 servers keep their objects).
# See bench/README.md. Everything listens on 127.0.0.1 only. Results: stdout and bench/results/<date>.md.
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

QUICK=0 BIG=0 KEEP=0 SMALL_ONLY=0 QUEUED=0 WAN=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    --big) BIG=1 ;;
    --keep-work) KEEP=1 ;;
    --small-only) SMALL_ONLY=1 ;;
    --queued) QUEUED=1 ;;
    --wan) WAN=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $a (try --help)" >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
if [ "$WAN" = 1 ]; then
  # shellcheck source=bench/wan/wan.sh
  source "$BENCH_DIR/wan/wan.sh"
  exit 0
fi
RESULTS="$RESULTS_DIR/$STAMP.md"
RUNS=${RUNS:-$([ $QUICK = 1 ] && echo 1 || echo 3)}
FILE_BYTES=${FILE_BYTES:-$((2 * 1024 * 1024 * 1024))}
CEILING_OBJ_BYTES=${CEILING_OBJ_BYTES:-256000000}
CEILING_N=${CEILING_N:-8}
CHUTE_QUIET_PERIOD=${CHUTE_QUIET_PERIOD:-500ms}
SERVERS=${SERVERS:-"s3proxy s3mock"}
TOOLS=${TOOLS:-"chute aws-default aws-tuned rclone"}
SMALL_N=${SMALL_N:-2000}
SMALL_BYTES=${SMALL_BYTES:-65536}
SMALL_TOOLS=${SMALL_TOOLS:-"chute aws-default rclone"}
CHUTE_WARMUP_SETS=${CHUTE_WARMUP_SETS:-5}

bench_init
ensure_prereqs
build_chute
build_checkpoint_bench

# ---------------------------------------------------------------- ceiling: N parallel plain PUTs with curl
ceiling_run() { # server file -> "seconds peak_rss_kib(max of one curl)"
  local s=$1 f=$2 i t0 t1 pids=() rc=0 maxrss=0 r
  t0=$(now)
  for ((i = 1; i <= CEILING_N; i++)); do
    /usr/bin/time -v -o "$WORK/time-curl-$i.txt" env -u CURL_CA_BUNDLE curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" \
      --user "$KEY_ID:$SECRET" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$f" "${ENDPOINT[$s]}/$BUCKET/ceiling/obj-$i" -o "$WORK/out-curl-$i.txt" \
      2> "$WORK/err-curl-$i.txt" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || rc=$?; done
  t1=$(now)
  for ((i = 1; i <= CEILING_N; i++)); do
    r=$(peak_rss_of_time "$WORK/time-curl-$i.txt"); [ "${r:-0}" -gt "$maxrss" ] && maxrss=$r
    [ "$(head_size "$s" "ceiling/obj-$i")" = "$(stat -c %s "$f")" ] || rc=1
    delete_object "$s" "ceiling/obj-$i"
  done
  if [ "$rc" != 0 ]; then
    note "curl ceiling on $s FAILED: $(cat "$WORK"/err-curl-*.txt "$WORK"/out-curl-*.txt | head -5 | tr '\n' ' ' | cut -c1-400)"
    echo FAIL; return
  fi
  local cpu=0
  for ((i = 1; i <= CEILING_N; i++)); do cpu=$(awk -v a="$cpu" -v b="$(time_cpu "$WORK/time-curl-$i.txt")" 'BEGIN { printf "%.2f", a + b }'); done
  echo "$(elapsed "$t0" "$t1") $maxrss $cpu"
}


# ================================================================= run
log "repo $REPO; runs per tool: $RUNS; file $FILE_BYTES bytes; aws = $AWS_BIN ($("$AWS_BIN" --version 2>&1 | head -1))"
log "rclone: $(rclone version 2>/dev/null | head -1); curl: $(curl --version | head -1 | cut -d' ' -f1-2); java: $(java -version 2>&1 | head -1)"
log "disk before: $(df -h "$WORK" | tail -1)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$WORK/data"
BIGFILE="$WORK/data/file-2g.bin"
CEILFILE="$WORK/data/ceiling-obj.bin"
if [ "$SMALL_ONLY" = 0 ]; then
  make_random "$BIGFILE" "$FILE_BYTES"
  make_random "$CEILFILE" "$CEILING_OBJ_BYTES"
fi

for s in $SERVERS; do start_server "$s"; done
for s in $SERVERS; do [[ " $TOOLS " == *" chute "* ]] && start_chute "$s"; done

# Warm-up (not recorded): one 64 MiB drop per Chute daemon, so JIT and connection pools are warm as in a
# long-running daemon; and one small aws/rclone call per server so their first-run caches exist.
head -c $((64 * 1024 * 1024)) /dev/urandom > "$WORK/data/warmup.bin"
for s in $SERVERS; do
  [[ " $TOOLS " == *" chute "* ]] && chute_drop "$s" "$WORK/data/warmup.bin" warmup.bin > /dev/null
done
rm -f "$WORK/data/warmup.bin"

make_small_set
echo "$SMALL_N" > "$WORK/small-n.txt"
# A long-running daemon has uploaded small files before: one unrecorded small-file drop per Chute daemon, so
# its PutObject path is JIT-compiled as in production (the peers are one-shot processes; they start cold in
# production too).
# A freshly started JVM compiles the per-request path with C2 only after 5,000-15,000 files (methods called once
# per file reach the tier-4 threshold that late): CHUTE_WARMUP_SETS (5) unrecorded drops of the set, whose CPU
# seconds are kept for the report (the first ones show what a cold daemon pays).
: > "$WORK/warmup-cpu.tsv"
for s in $SERVERS; do
  [[ " $TOOLS " == *" chute "* ]] && [[ " $SMALL_TOOLS " == *" chute "* ]] || continue
  for ((w = 1; w <= CHUTE_WARMUP_SETS; w++)); do
    res=$(chute_small_drop "$s" "warmup$w")
    printf '%s\t%s\t%s\n' "$s" "$w" "$res" >> "$WORK/warmup-cpu.tsv"
  done
done
for ((run = 1; run <= RUNS; run++)); do
  read -r -a order <<< "$SMALL_TOOLS"
  shift_by=$(( (run - 1) % ${#order[@]} ))
  order=("${order[@]:$shift_by}" "${order[@]:0:$shift_by}")
  for tool in "${order[@]}"; do
    for s in $SERVERS; do
      sc0=$(proc_cpu "${SERVER_PID[$s]}"); sw0=$(server_wbytes "${SERVER_PID[$s]}")
      if [ "$tool" = chute ]; then
        res=$(chute_small_drop "$s" "$run")
      else
        res=$(peer_small "$s" "$tool" "$run")
      fi
      server_cpu small "$s" "$tool" "$sc0" "$sw0"
      record small "$s" "$tool" "$run" "$res" $((SMALL_N * SMALL_BYTES))
    done
  done
done

for ((run = 1; run <= RUNS && SMALL_ONLY == 0; run++)); do
  # ceiling first in each round, then the tools, rotating the order per run (alternating tools)
  for s in $SERVERS; do
    sc0=$(proc_cpu "${SERVER_PID[$s]}"); sw0=$(server_wbytes "${SERVER_PID[$s]}")
    res=$(ceiling_run "$s" "$CEILFILE")
    server_cpu ceiling "$s" "curl ${CEILING_N}x PUT" "$sc0" "$sw0"
    record ceiling "$s" "curl ${CEILING_N}x PUT" "$run" "$res" $((CEILING_N * CEILING_OBJ_BYTES))
  done
  read -r -a order <<< "$TOOLS"
  shift_by=$(( (run - 1) % ${#order[@]} ))
  order=("${order[@]:$shift_by}" "${order[@]:0:$shift_by}")
  for tool in "${order[@]}"; do
    for s in $SERVERS; do
      sc0=$(proc_cpu "${SERVER_PID[$s]}"); sw0=$(server_wbytes "${SERVER_PID[$s]}")
      if [ "$tool" = chute ]; then
        res=$(chute_drop "$s" "$BIGFILE" "file-2g-$run.bin")
      else
        res=$(peer_upload "$s" "$tool" "$BIGFILE" "$tool/file-2g-$run.bin")
      fi
      server_cpu upload "$s" "$tool" "$sc0" "$sw0"
      record upload "$s" "$tool" "$run" "$res" "$FILE_BYTES"
    done
  done
done

if [ "$SMALL_ONLY" = 0 ] && [ "$BIG" = 1 ] && [[ " $TOOLS " == *" chute "* ]]; then
  s=$(echo $SERVERS | awk '{print $1}')
  BIG_GIB=${BIG_GIB:-20}
  BIGF="$WORK/big-${BIG_GIB}g.bin"
  if [ ! -f "$BIGF" ]; then
    log "creating $BIG_GIB GiB sparse-ish file (1 MiB random every 64 MiB, holes between)"
    truncate -s $((BIG_GIB * 1024 * 1024 * 1024)) "$BIGF"
    for ((o = 0; o < BIG_GIB * 1024; o += 64)); do
      head -c $((1024 * 1024)) /dev/urandom | dd of="$BIGF" bs=1M seek=$o conv=notrunc status=none
    done
  fi
  record big "$s" chute 1 "$(chute_drop "$s" "$BIGF" "big-${BIG_GIB}g.bin")" $((BIG_GIB * 1024 * 1024 * 1024))
fi

if [ "$QUEUED" = 1 ]; then
  QUEUED_N=${QUEUED_N:-100000}
  s=$(echo $SERVERS | awk '{print $1}')
  start_chute "$s" queued no-such-bucket
  log "queued: creating $QUEUED_N one-byte files, then renaming them into the paused rule's folder"
  python3 - "$WORK/staging/queued" "$QUEUED_N" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    sub = os.path.join(d, "d%03d" % (i % 100))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "f%06d" % i), "wb") as f:
        f.write(b"x")
PY
  qpid=${CHUTE_PID[queued]}
  t0=$(now)
  mv "$WORK/staging/queued" "$WORK/drop/queued/queued"
  # Held = queued + tracked by the gate + waiting on the retry timer; wait until the count stops growing (or 10 minutes).
  held_of() { curl -s "${CHUTE_MGMT[queued]}/q/metrics" | awk '/^chute_(queue_depth|files_stabilizing|files_waiting_retry)[ {]/ { s += $NF } END { printf "%.0f", s }'; }
  last=-1; same=0
  for ((i = 0; i < 600 && same < 5; i++)); do
    sleep 1
    held=$(held_of)
    if [ "$held" = "$last" ] && [ "$held" != 0 ]; then same=$((same + 1)); else same=0; fi
    last=$held
  done
  sleep 20   # a few retry/rescan cycles at full size
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$qpid/status"); hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$qpid/status")
  cpu=$(proc_cpu "$qpid")
  if [ "${QUEUED_HISTO:-0}" = 1 ]; then   # where the memory goes: live heap by class, and JVM native memory
    jcmd "$qpid" GC.class_histogram > "$WORK/queued-histogram.txt" 2>&1 || true
    jcmd "$qpid" VM.native_memory summary > "$WORK/queued-nmt.txt" 2>&1 || true
  fi
  echo "queued $s $QUEUED_N $(held_of) $hwm $rss" >> "$NOTES.queued"
  log "queued: $QUEUED_N files, held by chute: $(held_of), peak RSS $((hwm / 1024)) MiB, RSS now $((rss / 1024)) MiB"
fi

# Checkpoint cost at 10,000 parts (in bench/work, same file system as the drop folders).
CKPT_OUT="$WORK/checkpoint.txt"
: > "$CKPT_OUT"
[ "$SMALL_ONLY" = 0 ] && log "checkpoint cost: CheckpointCostBench at 10,000 parts" && java -cp "$REPO/target/classes:$REPO/target/test-classes:$(cat "$CP_FILE")" io.chute.bench.CheckpointCostBench \
  "$WORK/checkpoint" 10000 20 > "$CKPT_OUT"
rm -rf "$WORK/checkpoint"

# Peak RSS of the S3 servers (lifetime), for context.
for s in $SERVERS; do
  echo "server_rss $s $(awk '/VmHWM/ { print $2 }' "/proc/${SERVER_PID[$s]}/status" 2>/dev/null || echo 0)" >> "$NOTES.rss"
done

# ---------------------------------------------------------------- report
{
  echo "# Chute benchmark $STAMP"
  echo
  echo "Command: \`bench/run.sh $*\` (runs per tool: $RUNS). Host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr); loopback only, client and server share the cores."
  echo "Chute: \`$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')\`$(cd "$REPO" && git diff --quiet HEAD 2>/dev/null || echo ' (+uncommitted changes)'), JVM flags \`${CHUTE_JVM_FLAGS[*]}\`, defaults for chute.upload.* (parts-in-flight 8, part size auto = 16 MiB), quiet-period $CHUTE_QUIET_PERIOD (included in drop→verified), warmed by a 64 MiB file and $CHUTE_WARMUP_SETS unrecorded small-file drops. ${CHUTE_EXTRA_OPTS:+Extra: \`$CHUTE_EXTRA_OPTS\`.}$([ "${JFR:-0}" = 1 ] && echo ' **JFR profiler attached: not comparable.**')"
  echo "Load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) (other processes on the host are not controlled; with 2 cores, anything else running skews the numbers)."
  echo "Peers: $("$AWS_BIN" --version 2>&1 | head -1 | cut -d' ' -f1), $(rclone version 2>/dev/null | head -1), $(curl --version | head -1 | cut -d' ' -f1-2). File: $FILE_BYTES bytes of random data (page-cached, read by all tools from the same inode). MB = 10^6 bytes."
  echo
  CHUTE_FLAGS_TEXT="${CHUTE_JVM_FLAGS[*]}" python3 - "$SAMPLES" "$CKPT_OUT" "$NOTES" "$NOTES.rss" <<'PY'
import sys, statistics, collections, os
samples, ckpt, notes, rss = sys.argv[1:5]
rows = collections.OrderedDict()
cpus = {}
for line in open(samples):
    case, server, tool, run, secs, nbytes, peak, cpu = line.rstrip("\n").split("\t")
    rows.setdefault((case, server, tool), []).append((secs, int(nbytes), int(peak or 0)))
    cpus.setdefault((case, server, tool), []).append(float(cpu) if secs != "FAIL" else None)

def stats(vals):
    ok = [(float(s), b, p) for s, b, p in vals if s != "FAIL"]
    fails = sum(1 for s, _, _ in vals if s == "FAIL")
    return ok, fails

def fmt_mbps(b, s): return b / 1e6 / s

servers = []
for (case, server, tool) in rows:
    if server not in servers: servers.append(server)
ceil = {}
for (case, server, tool), vals in rows.items():
    ok, _ = stats(vals)
    if case == "ceiling" and ok:
        ceil[server] = statistics.median(fmt_mbps(b, t) for t, b, _ in ok)

print("## Upload of one file (drop → verified for Chute; command wall time for peers)\n")
print("| server | tool | runs | median s | min–max s | median MB/s | vs best peer | % of ceiling | peak RSS MiB (max) | CPU s (median) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for s in servers:
    peers = {}
    for (case, server, tool), vals in rows.items():
        if case == "upload" and server == s and tool != "chute":
            ok, _ = stats(vals)
            if ok: peers[tool] = statistics.median(t for t, _, _ in ok)
    best = min(peers.values()) if peers else None
    best_tool = min(peers, key=peers.get) if peers else None
    for (case, server, tool), vals in rows.items():
        if server != s or case not in ("upload", "ceiling"): continue
        ok, fails = stats(vals)
        n = f"{len(ok)}" + (f" (+{fails} failed)" if fails else "")
        if not ok:
            print(f"| {s} | {tool} | {n} | FAILED | | | | | | |"); continue
        times = [t for t, _, _ in ok]; b = ok[0][1]
        med = statistics.median(times)
        mbps = fmt_mbps(b, med)
        ratio = "" if case == "ceiling" or best is None else (f"{best/med:.2f}× ({best_tool})" if tool != best_tool else "1.00× (best)")
        pct = f"{100*mbps/ceil[s]:.0f}%" if s in ceil else ""
        peak = max(p for _, _, p in ok) / 1024
        peak_s = f"{peak:.0f}" + (" (one curl)" if case == "ceiling" else "")
        cpu = statistics.median(c for c in cpus[(case, server, tool)] if c is not None)
        print(f"| {s} | {tool} | {n} | {med:.2f} | {min(times):.2f}–{max(times):.2f} | {mbps:.0f} | {ratio} | {pct} | {peak_s} | {cpu:.1f}{' (8 curls)' if case == 'ceiling' else ''} |")
print()
assembly = collections.defaultdict(dict)  # server -> run -> seconds the store spent in CompleteMultipartUpload
try:
    for line in open(os.path.join(os.path.dirname(samples), "assembly.tsv")):
        srv, name, ms = line.rstrip("\n").split("\t")
        if name.startswith("file-2g-"):
            assembly[srv][name[len("file-2g-"):-len(".bin")]] = int(ms) / 1000
except FileNotFoundError:
    pass
runs_by_key = collections.defaultdict(dict)
for line in open(samples):
    case, server, tool, run, secs, nbytes, peak, cpu = line.rstrip("\n").split("\t")
    if case == "upload" and tool == "chute" and secs != "FAIL":
        runs_by_key[server][run] = (float(secs), int(nbytes))
for s in servers:
    pairs = [(runs_by_key[s][r], a) for r, a in assembly[s].items() if r in runs_by_key[s]]
    if pairs:
        asm = statistics.median(a for _, a in pairs)
        total = statistics.median(t for (t, _), _ in pairs)
        parts = statistics.median(b / 1e6 / (t - a) for (t, b), a in pairs if t > a)
        pct = f", {100 * parts / ceil[s]:.0f}% of the ceiling" if s in ceil else ""
        print(f"Chute on {s}: of the {total:.1f} s drop → verified (median), the store spent {asm:.1f} s assembling the "
              f"object in CompleteMultipartUpload (every multipart client waits for this); the rest of the drop (quiet "
              f"period, parts, verification) went at {parts:.0f} MB/s{pct}.\n")
print("`vs best peer` = best peer's median time ÷ this tool's median time (>1 faster than the best peer, <1 slower).")
print("`% of ceiling` = this tool's MB/s ÷ the median MB/s of the curl parallel-PUT ceiling on the same server.")
print("Chute's peak RSS is VmHWM of the daemon, reset (`/proc/PID/clear_refs` = 5) before each drop; peers: `/usr/bin/time -v`.")
print("CPU s = user + system CPU seconds of the client only (Chute: /proc/PID/stat delta over the drop; peers: `/usr/bin/time -v`); the server's CPU is not included.\n")
small = [(k, v) for k, v in rows.items() if k[0] == "small"]
if small:
    print("## Many small files (Chute: folder renamed into the drop folder → every file verified and deleted; peers: `aws s3 cp --recursive`, `rclone copy --transfers 16`)\n")
    print("| server | tool | runs | median s | min–max s | files/s | vs best peer | peak RSS MiB (max) | CPU s (median) | CPU ms/file |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    nfiles = int(open(os.path.join(os.path.dirname(notes), "small-n.txt")).read()) if os.path.exists(os.path.join(os.path.dirname(notes), "small-n.txt")) else 0
    for s in servers:
        peers = {}
        for (case, server, tool), vals in small:
            ok, _ = stats(vals)
            if server == s and tool != "chute" and ok: peers[tool] = statistics.median(t for t, _, _ in ok)
        best = min(peers.values()) if peers else None
        best_tool = min(peers, key=peers.get) if peers else None
        for (case, server, tool), vals in small:
            if server != s: continue
            ok, fails = stats(vals)
            n = f"{len(ok)}" + (f" (+{fails} failed)" if fails else "")
            if not ok:
                print(f"| {s} | {tool} | {n} | FAILED | | | | | | |"); continue
            times = [t for t, _, _ in ok]; med = statistics.median(times)
            ratio = "" if best is None else (f"{best/med:.2f}× ({best_tool})" if tool != best_tool else "1.00× (best)")
            cpu = statistics.median(c for c in cpus[(case, server, tool)] if c is not None)
            per_file = f"{1000 * cpu / nfiles:.2f}" if nfiles else ""
            print(f"| {s} | {tool} | {n} | {med:.2f} | {min(times):.2f}–{max(times):.2f} | {nfiles/med:.0f} | {ratio} | {max(p for _, _, p in ok)/1024:.0f} | {cpu:.1f} | {per_file} |")
    print()
    warm = collections.defaultdict(list)
    try:
        for line in open(os.path.join(os.path.dirname(notes), "warmup-cpu.tsv")):
            srv, w, res = line.rstrip("\n").split("\t")
            parts = res.split()
            if len(parts) == 3 and nfiles:
                warm[srv].append(f"{1000 * float(parts[2]) / nfiles:.2f}")
    except FileNotFoundError:
        pass
    for srv, per in warm.items():
        print(f"Chute on {srv} before the measured runs (unrecorded warm-up drops of the same {nfiles} files, a freshly "
              f"started daemon): CPU ms/file per drop, in order: {', '.join(per)}. The JIT compiles the per-request path "
              f"with C2 only after thousands of files; the measured runs show the warm daemon.\n")
big = [(k, v) for k, v in rows.items() if k[0] == "big"]
for (case, s, tool), vals in big:
    ok, fails = stats(vals)
    if ok:
        t, b, p = ok[0]
        print(f"**{b / 2**30:.0f} GiB sparse-ish file, Chute on {s}:** {t:.1f} s, {fmt_mbps(b, t):.0f} MB/s, peak RSS {p/1024:.0f} MiB (JVM flags: {os.environ.get('CHUTE_FLAGS_TEXT', '?')}).\n")
    else:
        print(f"**big sparse-ish file, Chute on {s}:** FAILED\n")
try:
    scpu = collections.defaultdict(list)
    for line in open(os.path.join(os.path.dirname(samples), "server-cpu.tsv")):
        c, srv, tool, cpu, wb = line.rstrip("\n").split("\t")
        scpu[(c, srv, tool)].append((float(cpu), float(wb)))
    if scpu:
        print("## CPU split: the S3 server's CPU seconds during each measured run (median; same 2 cores)\n")
        print("| case | server | tool | server CPU s (median) | server disk writes MB (median) |\n|---|---|---|---|---|")
        for (c, srv, tool), v in scpu.items():
            print(f"| {c} | {srv} | {tool} | {statistics.median(x for x, _ in v):.1f} | {statistics.median(w for _, w in v) / 1e6:,.0f} |")
        print()
except FileNotFoundError:
    pass
print("## Checkpoint cost at 10,000 parts (SidecarStore journal, fsync per part)\n")
res = {}
for line in open(ckpt):
    if line.startswith("RESULT "):
        _, k, v = line.split(); res[k] = float(v)
labels = [("header_write_ms", "header write (temp + fsync + rename + dir fsync), ms"),
          ("append_median_ms", "per-part append + fsync, median ms"),
          ("append_p90_ms", "per-part append + fsync, p90 ms"),
          ("append_p99_ms", "per-part append + fsync, p99 ms"),
          ("append_max_ms", "per-part append + fsync, max ms"),
          ("append_first1000_median_ms", "median of the first 1,000 appends, ms"),
          ("append_last1000_median_ms", "median of the last 1,000 appends, ms"),
          ("append_total_s", "total for 10,000 appends, s"),
          ("sidecar_bytes", "final sidecar size, bytes"),
          ("decode_cold_ms", "SidecarCodec.decode, first call (cold JIT), ms"),
          ("decode_warm_median_ms", "SidecarCodec.decode, warm median of 20, ms"),
          ("load_warm_ms", "SidecarStore.load (read + decode, warm), ms"),
          ("resume_rewrite_median_ms", "resume rewrite (journal.resumed, 10,000 parts, atomic), median ms")]
print("| metric | value |\n|---|---|")
for k, label in labels:
    if k in res:
        v = res[k]
        print(f"| {label} | {v:,.0f} |" if k == "sidecar_bytes" else f"| {label} | {v:.3f} |")
print()
try:
    for line in open(notes + ".queued"):
        _, s, n, held, hwm, now = line.split()
        print(f"**{int(n):,} files waiting (rule paused: bucket missing), Chute on {s}:** {int(held):,} held in memory (stability gate, queue and retry timer, each bounded at 10,000 by default; the rest wait on disk and are rescanned when there is room); peak RSS {int(hwm)/1024:.0f} MiB, RSS at the end {int(now)/1024:.0f} MiB (JVM flags: {os.environ.get('CHUTE_FLAGS_TEXT', '?')}).\n")
except FileNotFoundError:
    pass
try:
    for line in open(rss):
        _, s, kib = line.split(); print(f"S3 server {s}: peak RSS {int(kib)/1024:.0f} MiB over the whole run.  ")
except FileNotFoundError:
    pass
import glob, os
tf = sorted(glob.glob(os.path.join(os.path.dirname(notes), "threads-*.txt")))
tf = [f for f in tf if "before" not in f and "after" not in f and "warmup" not in f]
if tf:
    print("\n## Chute CPU seconds by thread during each drop (top 8; digits in names folded to N)\n")
    for f in tf:
        print(f"- `{os.path.basename(f)[8:-4]}`: {open(f).read().strip().replace(';', '; ')}")
n = [l.rstrip() for l in open(notes) if l.strip()]
if n:
    print("\n## Notes and failures\n")
    for l in dict.fromkeys(n): print(f"- {l}")
PY
  echo
  echo "<details><summary>raw samples (case, server, tool, run, seconds, bytes, peak RSS KiB, CPU s)</summary>"
  echo
  echo '```'
  cat "$SAMPLES"
  echo '```'
  echo
  echo '```'
  cat "$CKPT_OUT"
  echo '```'
  echo "</details>"
} | tee "$RESULTS"
log "results written to $RESULTS"
log "disk after: $(df -h "$WORK" | tail -1)"
