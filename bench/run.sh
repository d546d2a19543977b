#!/usr/bin/env bash
# Chute benchmarks against peer tools (aws s3 cp, rclone) on two local S3 servers (S3Proxy, S3Mock).
# Usage: bench/run.sh [--quick] [--big] [--keep-work] [--small-only]
#   --quick      1 run per tool instead of 3
#   --small-only only the small-files case (SMALL_N files of SMALL_BYTES, default 2,000 x 64 KiB)
#   --queued     also measure Chute's peak RSS with QUEUED_N files waiting (their bucket is missing, so the
#                rule is paused and every file stays tracked or queued)
#   --big        also measure Chute's peak RSS on a BIG_GIB (default 20) GiB sparse-ish file (first server only)
#   --keep-work  do not delete bench/work/ data at the end
# Environment knobs (optional): RUNS, FILE_BYTES (default 2 GiB), CEILING_OBJ_BYTES (256 MB), CEILING_N (8),
#   AWS_BIN (aws executable, default: first on PATH), CHUTE_QUIET_PERIOD (500ms), SERVERS ("s3proxy s3mock"),
#   TOOLS ("chute aws-default aws-tuned rclone"), CHUTE_EXTRA_OPTS (extra -D flags for the daemon), JFR=1,
#   SERVER_XMX (heap of the S3 servers, default 1g), SMALL_N (2000), SMALL_BYTES (65536),
#   SMALL_TOOLS ("chute aws-default rclone"), QUEUED_N (files for --queued, default 100000), QUEUED_HISTO=1
#   (keep a heap class histogram and, with CHUTE_EXTRA_OPTS=-XX:NativeMemoryTracking=summary, a native memory
#   summary of the queued daemon in bench/work/).
# See bench/README.md. Everything listens on 127.0.0.1 only. Results: stdout and bench/results/<date>.md.
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
WORK="$BENCH_DIR/work"
RESULTS_DIR="$BENCH_DIR/results"
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
RESULTS="$RESULTS_DIR/$STAMP.md"

QUICK=0 BIG=0 KEEP=0 SMALL_ONLY=0 QUEUED=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    --big) BIG=1 ;;
    --keep-work) KEEP=1 ;;
    --small-only) SMALL_ONLY=1 ;;
    --queued) QUEUED=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $a (try --help)" >&2; exit 2 ;;
  esac
done
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
BUCKET=bench
KEY_ID=bench-key
SECRET=bench-secret-key
# Production JVM flags: read from deploy/systemd/chute.service ExecStart (between the java binary and -Dquarkus...).
read -r -a CHUTE_JVM_FLAGS <<< "$(sed -n 's/^ExecStart=[^ ]*java \(.*\) -Dquarkus.*/\1/p' "$REPO/deploy/systemd/chute.service")"
[ "${#CHUTE_JVM_FLAGS[@]}" -gt 0 ] || { echo "no JVM flags found in deploy/systemd/chute.service ExecStart" >&2; exit 1; }

mkdir -p "$WORK" "$RESULTS_DIR"
rm -rf "$WORK"/server-cpu.tsv "$WORK"/aws-* "$WORK"/threads-* "$WORK"/time-* "$WORK"/out-* "$WORK"/err-* "$WORK"/notes.txt* "$WORK"/logs
SAMPLES="$WORK/samples.tsv"   # case  server  tool  run  seconds  bytes  peak_rss_kib  note
: > "$SAMPLES"
NOTES="$WORK/notes.txt"
: > "$NOTES"
PIDS=()

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
note() { printf '%s\n' "$*" >> "$NOTES"; log "NOTE: $*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  mkdir -p "$WORK/logs"
  for f in "$WORK"/servers/*/server.log; do [ -f "$f" ] && cp "$f" "$WORK/logs/$(basename "$(dirname "$f")").log"; done
  rm -rf "$WORK/data" "$WORK/servers" "$WORK/drop" "$WORK/staging" "$WORK/ceiling" "$WORK/notes.txt.queued" 2>/dev/null || true
  if [ "$KEEP" = 0 ]; then rm -f "$WORK"/big-*.bin; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- prerequisites
missing=()
for c in java curl python3 awk; do command -v "$c" >/dev/null || missing+=("$c"); done
command -v aws >/dev/null || missing+=(awscli)
command -v rclone >/dev/null || missing+=(rclone)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  log "missing prerequisites: ${missing[*]}"
  pkgs=()
  for m in "${missing[@]}"; do
    case "$m" in awscli|rclone|time|curl) pkgs+=("$m") ;; python3) pkgs+=(python3) ;; java) pkgs+=(openjdk-17-jdk-headless) ;; esac
  done
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing with apt-get: ${pkgs[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >&2
  else
    echo "install them first, e.g.: sudo apt-get install -y ${pkgs[*]}" >&2
    exit 1
  fi
fi
AWS_BIN=${AWS_BIN:-$(command -v aws)}
JAR="$REPO/target/quarkus-app/quarkus-run.jar"
S3PROXY_JAR="$REPO/target/s3-servers/s3proxy.jar"
S3MOCK_JAR="$REPO/target/s3-servers/s3mock.jar"
if [ ! -f "$JAR" ] || [ ! -f "$S3PROXY_JAR" ] || [ ! -f "$S3MOCK_JAR" ] || [ ! -d "$REPO/target/test-classes" ]; then
  log "building the packaged jar: ./mvnw -B package -DskipTests"
  (cd "$REPO" && ./mvnw -B package -DskipTests) >&2
fi
BENCH_CLASS="$REPO/target/test-classes/io/chute/bench/CheckpointCostBench.class"
CP_FILE="$WORK/test-classpath.txt"
if [ ! -s "$CP_FILE" ]; then
  (cd "$REPO" && ./mvnw -q -o dependency:build-classpath -Dmdep.outputFile="$CP_FILE") >&2 \
    || (cd "$REPO" && ./mvnw -q dependency:build-classpath -Dmdep.outputFile="$CP_FILE") >&2
fi
if [ ! -f "$BENCH_CLASS" ] || [ "$REPO/src/test/java/io/chute/bench/CheckpointCostBench.java" -nt "$BENCH_CLASS" ]; then
  log "compiling CheckpointCostBench"
  javac -d "$REPO/target/test-classes" -cp "$REPO/target/classes:$(cat "$CP_FILE")" \
    "$REPO/src/test/java/io/chute/bench/CheckpointCostBench.java"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { # url timeout_s
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    curl -s -o /dev/null --max-time 2 "$1" && return 0
    sleep 0.1
  done
  return 1
}
s3curl() { # method url [curl args...]; SigV4-signed (S3Proxy verifies it, S3Mock ignores it)
  local m=$1 u=$2; shift 2
  # curl 7.88 does not send x-amz-content-sha256 itself; S3Proxy then answers XAmzContentSHA256Mismatch.
  env -u CURL_CA_BUNDLE curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$KEY_ID:$SECRET" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X "$m" "$@" "$u"
}
TICKS=$(getconf CLK_TCK)
proc_cpu() { awk -v t="$TICKS" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"; } # utime+stime, s
thread_cpu() { # pid -> "tid cpu_s name" per thread
  local d
  for d in /proc/$1/task/*; do
    awk -v t="$TICKS" -v tid="${d##*/}" -v name="$(tr ' ' '_' < "$d/comm" 2>/dev/null)" \
      '{ sub(/^.*\) /, ""); printf "%s %.2f %s\n", tid, ($12 + $13) / t, name }' "$d/stat" 2>/dev/null || true
  done
}
time_cpu() { awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$1"; }
peak_rss_of_time() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }

# ---------------------------------------------------------------- servers
declare -A ENDPOINT SERVER_PID
start_server() { # kind
  local kind=$1 port dir
  port=$(free_port)
  dir="$WORK/servers/$kind"
  mkdir -p "$dir/data"
  # The test suite's server flags, but a 1 GiB heap instead of 256m: S3Proxy 4.1.0 reads some part bodies
  # (aws CLI's chunked uploads) whole into its heap (InputStream.readNBytes in S3ProxyHandler.doHandle), and
  # with 256m it answers 16 concurrent 16 MB parts with OutOfMemoryError -> 500 InternalError.
  local cmd=(java "-Xmx${SERVER_XMX:-1g}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true)
  if [ "$kind" = s3proxy ]; then
    cat > "$dir/s3proxy.properties" <<EOF
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$KEY_ID
s3proxy.credential=$SECRET
jclouds.provider=filesystem
jclouds.identity=$KEY_ID
jclouds.credential=$SECRET
jclouds.filesystem.basedir=$dir/data
EOF
    cmd+=(-jar "$S3PROXY_JAR" --properties "$dir/s3proxy.properties")
  else
    # Same command line as src/test/java/io/chute/testing/S3ServerProcess.java. S3Mock's max-payload-size stays
    # at its default (10MB): it does not limit S3 bodies (the ceiling case's 256 MB single PUTs are stored under it).
    cat > "$dir/loopback-http-connector.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans https://www.springframework.org/schema/beans/spring-beans.xsd">
  <bean id="httpConnector" class="org.apache.catalina.connector.Connector">
    <property name="port" value="$port"/>
    <property name="protocolHandler.address">
      <bean class="java.net.InetAddress" factory-method="getByName"><constructor-arg value="127.0.0.1"/></bean>
    </property>
  </bean>
</beans>
EOF
    cmd+=(-jar "$S3MOCK_JAR" "--spring.main.sources=file://$dir/loopback-http-connector.xml"
      --spring.main.allow-bean-definition-overriding=true "--http.port=$port" --server.address=127.0.0.1
      --server.port=0 --server.ssl.enabled=false "--com.adobe.testing.s3mock.store.root=$dir/data"
      --com.adobe.testing.s3mock.store.retain-files-on-exit=false)
  fi
  (cd "$dir" && exec "${cmd[@]}" > "$dir/server.log" 2>&1) &
  SERVER_PID[$kind]=$!
  PIDS+=($!)
  ENDPOINT[$kind]="http://127.0.0.1:$port"
  if ! wait_http "${ENDPOINT[$kind]}" 90; then
    tail -40 "$dir/server.log" >&2
    echo "$kind did not start" >&2
    exit 1
  fi
  local code
  code=$(s3curl PUT "${ENDPOINT[$kind]}/$BUCKET" -o "$dir/create-bucket.txt" -w '%{http_code}' || true)
  if [ "$code" != 200 ]; then
    echo "creating bucket $BUCKET on $kind failed (HTTP $code): $(cat "$dir/create-bucket.txt")" >&2
    exit 1
  fi
  local listen
  listen=$(ss -ltnp 2>/dev/null | grep "pid=${SERVER_PID[$kind]}," | awk '{print $4}' | tr '\n' ' ' || true)
  log "$kind up at ${ENDPOINT[$kind]} (pid ${SERVER_PID[$kind]}; listening: ${listen:-?})"
  case "$listen" in *'*:'*|*'0.0.0.0:'*|*'[::]:'*) echo "$kind listens beyond loopback: $listen" >&2; exit 1 ;; esac
}
delete_object() { s3curl DELETE "${ENDPOINT[$1]}/$BUCKET/$2" -o /dev/null || true; }
head_size() { s3curl HEAD "${ENDPOINT[$1]}/$BUCKET/$2" -I 2>/dev/null | tr -d '\r' | awk -F': ' 'tolower($1)=="content-length" { print $2 }'; }

# ---------------------------------------------------------------- data
make_random() { # path bytes
  [ -f "$1" ] && [ "$(stat -c %s "$1")" = "$2" ] && return 0
  log "creating $1 ($2 bytes of random data)"
  head -c "$2" /dev/urandom > "$1.tmp" && mv "$1.tmp" "$1"
}

# ---------------------------------------------------------------- chute daemon
declare -A CHUTE_PID CHUTE_MGMT CHUTE_LOG
start_chute() { # server [instance name] [bucket]; the instance's drop folder is $WORK/drop/<name>
  local server=$1 s=${2:-$1} bucket=${3:-$BUCKET} mport dir
  mport=$(free_port)
  dir="$WORK/chute-$s"
  rm -rf "$dir"
  mkdir -p "$dir/state" "$WORK/drop/$s" "$WORK/staging"
  cat > "$dir/chute.yaml" <<EOF
chute:
  state-dir: $dir/state
  s3:
    endpoint: ${ENDPOINT[$server]}
    region: us-east-1
    path-style: true
    access-key-id: $KEY_ID
    secret-access-key: $SECRET
  rules:
    - name: bench
      path: $WORK/drop/$s
      bucket: $bucket
      prefix: chute/
      quiet-period: $CHUTE_QUIET_PERIOD
      after-upload: delete
quarkus:
  management:
    host: 127.0.0.1
EOF
  local jfr=()
  [ "${JFR:-0}" = 1 ] && jfr=("-XX:StartFlightRecording=filename=$dir/chute.jfr,settings=profile,dumponexit=true")
  CHUTE_LOG[$s]="$dir/chute.log"
  # ObjectUploader's DEBUG lines are per multipart upload only (created; completed, with the store's assembly time)
  (cd "$dir" && exec java "${CHUTE_JVM_FLAGS[@]}" "${jfr[@]}" ${CHUTE_EXTRA_OPTS:-} \
      '-Dquarkus.log.category."io.chute.multipart.ObjectUploader".level=DEBUG' \
      -Dquarkus.config.locations="$dir/chute.yaml" -Dquarkus.management.port="$mport" \
      -Dquarkus.management.host=127.0.0.1 -jar "$JAR" > "$dir/chute.log" 2>&1) &
  CHUTE_PID[$s]=$!
  PIDS+=($!)
  CHUTE_MGMT[$s]="http://127.0.0.1:$mport"
  if ! wait_http "${CHUTE_MGMT[$s]}/q/health/live" 60; then
    tail -40 "$dir/chute.log" >&2
    echo "chute ($s) did not start" >&2
    exit 1
  fi
  local i
  for ((i = 0; i < 100; i++)); do
    curl -sf -o /dev/null "${CHUTE_MGMT[$s]}/q/health/ready" && break
    sleep 0.2
  done
  log "chute for $s up (pid ${CHUTE_PID[$s]}, management ${CHUTE_MGMT[$s]}, ready: $(curl -s "${CHUTE_MGMT[$s]}/q/health/ready" | tr -d ' \n' | cut -c1-60))"
}
chute_uploaded_bytes() { curl -s "${CHUTE_MGMT[$1]}/q/metrics" | awk '/^chute_uploaded_bytes_total/ { s += $2 } END { printf "%.0f", s }'; }

# Runs one Chute drop; prints "seconds peak_rss_kib".
chute_drop() { # server source_file name
  local s=$1 src=$2 name=$3 pid=${CHUTE_PID[$1]} t0 t1 hwm peak=0 before after lines0
  ln -f "$src" "$WORK/staging/$name"   # hard link: same inode data, Chute deletes only this link
  before=$(chute_uploaded_bytes "$s")
  lines0=$(grep -c 'uploaded and verified' "${CHUTE_LOG[$s]}" || true)
  echo 5 > "/proc/$pid/clear_refs" 2>/dev/null || note "cannot reset VmHWM of chute (not root?); peak RSS is the lifetime peak"
  thread_cpu "$pid" > "$WORK/threads-before.txt"
  local cpu0; cpu0=$(proc_cpu "$pid")
  t0=$(now)
  mv "$WORK/staging/$name" "$WORK/drop/$s/$name"
  local deadline=$(( $(date +%s) + 1800 ))
  while [ -e "$WORK/drop/$s/$name" ]; do
    sleep 0.05
    if ! kill -0 "$pid" 2>/dev/null; then echo "chute died; log tail:" >&2; tail -30 "${CHUTE_LOG[$s]}" >&2; exit 1; fi
    [ "$(date +%s)" -gt "$deadline" ] && { echo "chute did not finish $name in 30 min" >&2; exit 1; }
  done
  t1=$(now)
  hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  local cpu1; cpu1=$(proc_cpu "$pid")
  thread_cpu "$pid" > "$WORK/threads-after.txt"
  # CPU seconds per thread group during this drop (thread names with digits folded), top 8
  awk 'NR == FNR { b[$1] = $2; next } { d = $2 - b[$1]; n = $3; gsub(/[0-9]+/, "N", n); g[n] += d }
       END { for (n in g) if (g[n] > 0) printf "%.2f %s\n", g[n], n }' \
    "$WORK/threads-before.txt" "$WORK/threads-after.txt" | sort -rn | head -8 | tr '\n' ';' \
    > "$WORK/threads-$s-$name.txt"
  after=$(chute_uploaded_bytes "$s")
  local lines1
  lines1=$(grep -c 'uploaded and verified' "${CHUTE_LOG[$s]}" || true)
  [ "$lines1" -gt "$lines0" ] || note "chute/$s: source of $name vanished without an 'uploaded and verified' log line"
  local delta=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.0f", b - a }')
  [ "$delta" = "$(stat -c %s "$src")" ] || note "chute/$s: chute_uploaded_bytes_total grew by $delta, file has $(stat -c %s "$src") bytes"
  # how long the store spent assembling a multipart object (CompleteMultipartUpload), from Chute's DEBUG line
  local assembly_ms
  assembly_ms=$(grep -F "key=chute/$name " "${CHUTE_LOG[$s]}" | sed -n 's/.*the store took \([0-9]*\) ms to assemble it.*/\1/p' | tail -1)
  [ -n "$assembly_ms" ] && printf '%s\t%s\t%s\n' "$s" "$name" "$assembly_ms" >> "$WORK/assembly.tsv"
  delete_object "$s" "chute/$name"
  echo "$(elapsed "$t0" "$t1") $hwm $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')"
}

# ---------------------------------------------------------------- peers
aws_cfg() { # variant [server] -> config file path
  local f="$WORK/aws-$1.cfg"
  # Once a server refused the CLI's default CRC32 trailer checksums (S3Mock 5.x vs botocore >= 1.36), the
  # CLI is run on that server with request_checksum_calculation = when_required (its documented switch for
  # S3-compatible stores); the table notes it.
  if [ -n "${2:-}" ] && [ -f "$WORK/aws-when-required-$2" ]; then f="$WORK/aws-$1-when-required.cfg"; fi
  if [ ! -f "$f" ]; then
    printf '[default]\nregion = us-east-1\n' > "$f"
    [[ "$f" == *when-required* ]] && printf 'request_checksum_calculation = when_required\nresponse_checksum_validation = when_required\n' >> "$f"
    if [ "$1" = tuned ]; then
      AWS_CONFIG_FILE=$f "$AWS_BIN" configure set default.s3.max_concurrent_requests 16
      AWS_CONFIG_FILE=$f "$AWS_BIN" configure set default.s3.multipart_chunksize 16MB
    fi
  fi
  echo "$f"
}
# Runs one peer upload; prints "seconds peak_rss_kib" or "FAIL".
peer_upload() { # server tool file key
  local s=$1 tool=$2 f=$3 key=$4 tv="$WORK/time-$2-$1.txt" out="$WORK/out-$2-$1.txt" t0 t1 rc=0
  t0=$(now)
  case "$tool" in
    aws-default|aws-tuned)
      AWS_CONFIG_FILE=$(aws_cfg "${tool#aws-}" "$s") AWS_SHARED_CREDENTIALS_FILE=/dev/null \
      AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET AWS_DEFAULT_REGION=us-east-1 \
        /usr/bin/time -v -o "$tv" "$AWS_BIN" s3 cp --only-show-errors --endpoint-url "${ENDPOINT[$s]}" \
        "$f" "s3://$BUCKET/$key" > "$out" 2>&1 || rc=$?
      ;;
    rclone)
      env -u AWS_CA_BUNDLE -u CURL_CA_BUNDLE -u REQUESTS_CA_BUNDLE \
        RCLONE_CONFIG=/dev/null RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other \
        RCLONE_CONFIG_BENCH_ENDPOINT="${ENDPOINT[$s]}" RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$KEY_ID \
        RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$SECRET RCLONE_CONFIG_BENCH_REGION=us-east-1 \
        RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true \
        /usr/bin/time -v -o "$tv" rclone copyto --s3-upload-concurrency 8 --s3-chunk-size 16M \
        --s3-no-check-bucket "$f" "bench:$BUCKET/$key" > "$out" 2>&1 || rc=$?
      ;;
  esac
  t1=$(now)
  local size
  size=$(head_size "$s" "$key")
  delete_object "$s" "$key"
  if [ "$rc" != 0 ] && [[ "$tool" == aws-* ]] && [ ! -f "$WORK/aws-when-required-$s" ] \
      && grep -q 'checksum' "$out"; then
    note "$tool on $s FAILED with the CLI's default checksums (exit $rc): $(grep -v '^\s*$' "$out" | tail -2 | tr '\n' ' ' | cut -c1-400) -- retried, and from then on run, with request_checksum_calculation = when_required on $s"
    touch "$WORK/aws-when-required-$s"
    peer_upload "$@"
    return
  fi
  if [ "$rc" != 0 ] || [ "$size" != "$(stat -c %s "$f")" ]; then
    note "$tool on $s FAILED (exit $rc, stored size '${size:-none}'): $(grep -v '^\s*$' "$out" | tail -3 | tr '\n' ' ' | cut -c1-400)"
    echo FAIL
    return
  fi
  echo "$(elapsed "$t0" "$t1") $(peak_rss_of_time "$tv") $(time_cpu "$tv")"
}

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

# ---------------------------------------------------------------- small files: SMALL_N files in 20 folders
make_small_set() {
  local dir="$WORK/data/small"
  [ -d "$dir" ] && [ "$(find "$dir" -type f | wc -l)" = "$SMALL_N" ] && return 0
  rm -rf "$dir"
  log "creating $SMALL_N files of $SMALL_BYTES random bytes in $dir"
  python3 - "$dir" "$SMALL_N" "$SMALL_BYTES" <<'PY'
import os, sys
d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    sub = os.path.join(d, "d%02d" % (i % 20))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "f%05d.bin" % i), "wb") as f:
        f.write(os.urandom(size))
PY
}
aws_env() { env AWS_CONFIG_FILE="$(aws_cfg default "$1")" AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET AWS_DEFAULT_REGION=us-east-1 "${@:2}"; }
count_objects() { # server prefix
  aws_env "$1" "$AWS_BIN" s3 ls --recursive --endpoint-url "${ENDPOINT[$1]}" "s3://$BUCKET/$2" 2>/dev/null | wc -l
}
remove_prefix() { # server prefix
  aws_env "$1" "$AWS_BIN" s3 rm --recursive --quiet --endpoint-url "${ENDPOINT[$1]}" "s3://$BUCKET/$2" > /dev/null 2>&1 || true
}
# Chute: the whole folder tree is renamed into the drop folder at once; timed until every file is uploaded,
# verified and deleted. Prints "seconds peak_rss_kib cpu_s".
chute_small_drop() { # server run
  local s=$1 name="small-$2" pid=${CHUTE_PID[$1]} t0 t1 cpu0 cpu1
  rm -rf "$WORK/staging/$name"
  mkdir -p "$WORK/staging"
  cp -al "$WORK/data/small" "$WORK/staging/$name"
  echo 5 > "/proc/$pid/clear_refs" 2>/dev/null || true
  cpu0=$(proc_cpu "$pid")
  t0=$(now)
  mv "$WORK/staging/$name" "$WORK/drop/$s/$name"
  local deadline=$(( $(date +%s) + 900 ))
  while [ -n "$(find "$WORK/drop/$s/$name" -type f -print -quit)" ]; do
    sleep 0.05
    [ "$(date +%s)" -gt "$deadline" ] && { note "chute/$s: $name not finished in 15 min"; echo FAIL; return; }
  done
  t1=$(now)
  cpu1=$(proc_cpu "$pid")
  local n; n=$(count_objects "$s" "chute/$name/")
  [ "$n" = "$SMALL_N" ] || note "chute/$s: $n objects under chute/$name/, expected $SMALL_N"
  remove_prefix "$s" "chute/$name/"
  rm -rf "$WORK/drop/$s/$name"
  echo "$(elapsed "$t0" "$t1") $(awk '/VmHWM/ { print $2 }' "/proc/$pid/status") $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')"
}
peer_small() { # server tool run
  local s=$1 tool=$2 prefix="$2/small-$3" tv="$WORK/time-small-$2-$1.txt" out="$WORK/out-small-$2-$1.txt" t0 t1 rc=0
  t0=$(now)
  case "$tool" in
    aws-default)
      aws_env "$s" /usr/bin/time -v -o "$tv" "$AWS_BIN" s3 cp --recursive --only-show-errors \
        --endpoint-url "${ENDPOINT[$s]}" "$WORK/data/small" "s3://$BUCKET/$prefix/" > "$out" 2>&1 || rc=$?
      ;;
    rclone)
      env -u AWS_CA_BUNDLE -u CURL_CA_BUNDLE -u REQUESTS_CA_BUNDLE \
        RCLONE_CONFIG=/dev/null RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other \
        RCLONE_CONFIG_BENCH_ENDPOINT="${ENDPOINT[$s]}" RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$KEY_ID \
        RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$SECRET RCLONE_CONFIG_BENCH_REGION=us-east-1 \
        RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true \
        /usr/bin/time -v -o "$tv" rclone copy --transfers 16 --s3-no-check-bucket \
        "$WORK/data/small" "bench:$BUCKET/$prefix" > "$out" 2>&1 || rc=$?
      ;;
  esac
  t1=$(now)
  local n; n=$(count_objects "$s" "$prefix/")
  remove_prefix "$s" "$prefix/"
  if [ "$rc" != 0 ] || [ "$n" != "$SMALL_N" ]; then
    note "$tool small files on $s FAILED (exit $rc, $n objects): $(grep -v '^\s*$' "$out" | tail -3 | tr '\n' ' ' | cut -c1-400)"
    echo FAIL; return
  fi
  echo "$(elapsed "$t0" "$t1") $(peak_rss_of_time "$tv") $(time_cpu "$tv")"
}

# The S3 server's CPU seconds during one measured run (same machine, same 2 cores), for the CPU split.
server_wbytes() { awk '/^(write_bytes|rchar):/ && $1 == "write_bytes:" { print $2 }' "/proc/$1/io" 2>/dev/null || echo 0; }
server_cpu() { # case server tool cpu_before wbytes_before
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" \
    "$(awk -v a="$4" -v b="$(proc_cpu "${SERVER_PID[$2]}")" 'BEGIN { printf "%.2f", b - a }')" \
    "$(awk -v a="$5" -v b="$(server_wbytes "${SERVER_PID[$2]}")" 'BEGIN { printf "%.0f", b - a }')" >> "$WORK/server-cpu.tsv"
}
record() { # case server tool run result bytes
  local res=$5
  if ! [[ "$res" =~ ^[0-9.]+\ [0-9]+\ [0-9.]+$ ]]; then
    [ "$res" = FAIL ] || note "$3 on $2 run $4: no result ('$res')"
    printf '%s\t%s\t%s\t%s\tFAIL\t%s\t0\t0\n' "$1" "$2" "$3" "$4" "$6" >> "$SAMPLES"
  else
    set -- "$1" "$2" "$3" "$4" "$6" $res
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$6" "$5" "${7:-0}" "${8:-0}" >> "$SAMPLES"
    log "  $1 $2 $3 run $4: $6 s, peak RSS ${7:-?} KiB, CPU ${8:-?} s"
  fi
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
for s in $SERVERS; do
  [[ " $TOOLS " == *" chute "* ]] && [[ " $SMALL_TOOLS " == *" chute "* ]] && chute_small_drop "$s" warmup > /dev/null
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
  echo "Chute: \`$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')\`$(cd "$REPO" && git diff --quiet HEAD 2>/dev/null || echo ' (+uncommitted changes)'), JVM flags \`${CHUTE_JVM_FLAGS[*]}\`, defaults for chute.upload.* (parts-in-flight 8, part size auto = 16 MiB), quiet-period $CHUTE_QUIET_PERIOD (included in drop→verified). ${CHUTE_EXTRA_OPTS:+Extra: \`$CHUTE_EXTRA_OPTS\`.}$([ "${JFR:-0}" = 1 ] && echo ' **JFR profiler attached: not comparable.**')"
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
    print("| server | tool | runs | median s | min–max s | files/s | vs best peer | peak RSS MiB (max) | CPU s (median) |")
    print("|---|---|---|---|---|---|---|---|---|")
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
                print(f"| {s} | {tool} | {n} | FAILED | | | | | |"); continue
            times = [t for t, _, _ in ok]; med = statistics.median(times)
            ratio = "" if best is None else (f"{best/med:.2f}× ({best_tool})" if tool != best_tool else "1.00× (best)")
            cpu = statistics.median(c for c in cpus[(case, server, tool)] if c is not None)
            print(f"| {s} | {tool} | {n} | {med:.2f} | {min(times):.2f}–{max(times):.2f} | {nfiles/med:.0f} | {ratio} | {max(p for _, _, p in ok)/1024:.0f} | {cpu:.1f} |")
    print()
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
