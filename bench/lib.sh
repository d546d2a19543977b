# shellcheck shell=bash
# Shared helpers of bench/run.sh (loopback benchmarks) and its WAN mode (bench/wan/wan.sh): constants, logging,
# prerequisites and build, the S3 servers, the Chute daemon, the peer tools, CPU accounting and the sample file.
# Sourced by run.sh after it parsed its arguments; it only defines constants and functions.
# Uses, when the functions run: KEEP, SMALL_N, SMALL_BYTES, CHUTE_QUIET_PERIOD, CHUTE_EXTRA_OPTS, JFR, SERVER_XMX.
# Both servers run with their shipped defaults (S3Proxy verifies SigV4 and refuses unknown headers).

BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
REPO=$(cd "$BENCH_DIR/.." && pwd)
WORK="$BENCH_DIR/work"
RESULTS_DIR="$BENCH_DIR/results"
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
BUCKET=bench
KEY_ID=bench-key
SECRET=bench-secret-key
# Production JVM flags: read from deploy/systemd/chute.service ExecStart (between the java binary and -Dquarkus...).
# The unit's Environment= lines (MALLOC_ARENA_MAX) apply to every Chute the bench starts, as under systemd.
read -r -a CHUTE_UNIT_ENV <<< "$(sed -n 's/^Environment=//p' "$REPO/deploy/systemd/chute.service" | tr '\n' ' ')"
read -r -a CHUTE_JVM_FLAGS <<< "$(sed -n 's/^ExecStart=[^ ]*java \(.*\) -Dquarkus.*/\1/p' "$REPO/deploy/systemd/chute.service")"
[ "${#CHUTE_JVM_FLAGS[@]}" -gt 0 ] || { echo "no JVM flags found in deploy/systemd/chute.service ExecStart" >&2; exit 1; }

PIDS=()

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
note() { printf '%s\n' "$*" >> "$NOTES"; log "NOTE: $*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# Fresh scratch files for one benchmark run; stops everything started (PIDS) on exit.
bench_init() {
  mkdir -p "$WORK" "$RESULTS_DIR"
  rm -rf "$WORK"/server-cpu.tsv "$WORK"/aws-* "$WORK"/threads-* "$WORK"/time-* "$WORK"/out-* "$WORK"/err-* "$WORK"/notes.txt* "$WORK"/logs
  SAMPLES="$WORK/samples.tsv"   # case  server  tool  run  seconds  bytes  peak_rss_kib  note
  : > "$SAMPLES"
  NOTES="$WORK/notes.txt"
  : > "$NOTES"
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

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
  [ -n "${SERVER_DATA_DIR:-}" ] && rm -rf "$SERVER_DATA_DIR"
  [ -n "${RGW_DIR:-}" ] && { "$BENCH_DIR/servers/ceph-rgw.sh" stop "$RGW_DIR" > /dev/null 2>&1 || true; }
  rm -rf "$WORK/data" "$WORK/servers" "$WORK/drop" "$WORK/staging" "$WORK/ceiling" "$WORK/notes.txt.queued" 2>/dev/null || true
  if [ "$KEEP" = 0 ]; then rm -f "$WORK"/big-*.bin; fi
}

# ---------------------------------------------------------------- prerequisites
ensure_prereqs() {
  local missing=() pkgs=() c m
  for c in java curl python3 awk; do command -v "$c" >/dev/null || missing+=("$c"); done
  command -v aws >/dev/null || missing+=(awscli)
  command -v rclone >/dev/null || missing+=(rclone)
  [ -x /usr/bin/time ] || missing+=(time)
  if [ ${#missing[@]} -gt 0 ]; then
    log "missing prerequisites: ${missing[*]}"
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
  JAR=${CHUTE_JAR:-"$REPO/target/quarkus-app/quarkus-run.jar"}   # CHUTE_JAR: another build (A/B runs)
  S3PROXY_JAR="$REPO/target/s3-servers/s3proxy.jar"
  S3MOCK_JAR="$REPO/target/s3-servers/s3mock.jar"
}
build_chute() {
  if [ ! -f "$JAR" ] || [ ! -f "$S3PROXY_JAR" ] || [ ! -f "$S3MOCK_JAR" ] || [ ! -d "$REPO/target/test-classes" ]; then
    log "building the packaged jar: ./mvnw -B package -DskipTests"
    (cd "$REPO" && ./mvnw -B package -DskipTests) >&2
  fi
}
build_checkpoint_bench() {
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
}

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
# ENDPOINT: where the bench itself talks to a server (checks, cleanup); TOOL_ENDPOINT, when set: where Chute and
# the peer tools talk to it (the WAN mode's proxy).
declare -A ENDPOINT SERVER_PID TOOL_ENDPOINT
tool_endpoint() { echo "${TOOL_ENDPOINT[$1]:-${ENDPOINT[$1]}}"; }
start_server() { # kind
  local kind=$1 port dir
  port=$(free_port)
  dir="$WORK/servers/$kind"
  mkdir -p "$dir"
  if [ "$kind" = rgw ]; then start_rgw "$port" "$dir"; return; fi
  # SERVER_DATA_DIR: where the store keeps its objects (default: beside its log); a link from $dir/data
  if [ -n "${SERVER_DATA_DIR:-}" ]; then
    rm -rf "$dir/data" "$SERVER_DATA_DIR/$kind"
    mkdir -p "$SERVER_DATA_DIR/$kind" && ln -s "$SERVER_DATA_DIR/$kind" "$dir/data"
  else
    mkdir -p "$dir/data"
  fi
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
    # Same command line as src/test/java/io/chute/testing/S3ServerProcess.java: bound to loopback, otherwise
    # S3Mock's defaults (its max-payload-size limits form posts, never S3 bodies).
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
# Ceph RGW (bench/servers/ceph-rgw.sh: one monitor, one memstore OSD, radosgw as shipped). Its S3 user's keys
# replace KEY_ID and SECRET for every tool, so RGW is the only server of a run (the WAN mode's WAN_SERVER=rgw).
# SERVER_PID is radosgw's (the OSD's CPU is not in the server-CPU column). Deleted objects' data stays in the
# OSD's memory until RGW's garbage collection (2 h by default): delete_object runs it at once on RGW.
start_rgw() { # port dir
  local out
  RGW_DIR="$2/cluster"
  out=$(OWNER_PID=$$ MEMSTORE_BYTES=${RGW_MEMSTORE_BYTES:-$((6 * 1024 * 1024 * 1024))} \
    "$BENCH_DIR/servers/ceph-rgw.sh" start "$RGW_DIR" "$1") || { echo "rgw did not start" >&2; exit 1; }
  KEY_ID=$(sed -n 's/^access_key=//p' <<< "$out")
  SECRET=$(sed -n 's/^secret_key=//p' <<< "$out")
  ENDPOINT[rgw]=$(sed -n 's/^endpoint=//p' <<< "$out")
  SERVER_PID[rgw]=$(pgrep -f "radosgw -c $RGW_DIR/ceph.conf" | head -1)
  local code
  code=$(s3curl PUT "${ENDPOINT[rgw]}/$BUCKET" -o "$2/create-bucket.txt" -w '%{http_code}' || true)
  [ "$code" = 200 ] || { echo "creating bucket $BUCKET on rgw failed (HTTP $code): $(cat "$2/create-bucket.txt")" >&2; exit 1; }
  log "rgw up at ${ENDPOINT[rgw]} (radosgw pid ${SERVER_PID[rgw]}, $(radosgw --version 2>/dev/null | head -1))"
}
delete_object() {
  s3curl DELETE "${ENDPOINT[$1]}/$BUCKET/$2" -o /dev/null || true
  if [ -n "${RGW_DIR:-}" ]; then
    radosgw-admin -c "$RGW_DIR/ceph.conf" -n client.admin gc process --include-all > /dev/null 2>&1 || true
  fi
}
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
    endpoint: $(tool_endpoint "$server")
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
  (cd "$dir" && exec env "${CHUTE_UNIT_ENV[@]}" java "${CHUTE_JVM_FLAGS[@]}" "${jfr[@]}" ${CHUTE_EXTRA_OPTS:-} \
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
  echo "$t0 $t1" > "$WORK/window.txt"
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
# rclone configured only through environment variables (remote "bench:"); AWS_CA_BUNDLE is unset (rclone fails
# while it is set).
rclone_env() { # server command...
  env -u AWS_CA_BUNDLE -u CURL_CA_BUNDLE -u REQUESTS_CA_BUNDLE \
    RCLONE_CONFIG=/dev/null RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other \
    RCLONE_CONFIG_BENCH_ENDPOINT="$(tool_endpoint "$1")" RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$KEY_ID \
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$SECRET RCLONE_CONFIG_BENCH_REGION=us-east-1 \
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true "${@:2}"
}
# rclone's options per tool name: rclone (the loopback bench's), rclone-default (its defaults: 4 transfers, 4 parts
# of 5 MiB per file in flight), rclone-tuned (16 transfers, 16 parts per file). All skip the bucket check.
rclone_opts() { # tool case(one|small)
  case "$1" in
    rclone) [ "$2" = one ] && echo "--s3-upload-concurrency 8 --s3-chunk-size 16M" || echo "--transfers 16" ;;
    rclone-default) ;;
    rclone-tuned) echo "--transfers 16 --s3-upload-concurrency 16" ;;
  esac
}
# Runs one peer upload; prints "seconds peak_rss_kib" or "FAIL".
peer_upload() { # server tool file key
  local s=$1 tool=$2 f=$3 key=$4 tv="$WORK/time-$2-$1.txt" out="$WORK/out-$2-$1.txt" t0 t1 rc=0
  t0=$(now)
  case "$tool" in
    aws-default|aws-tuned)
      AWS_CONFIG_FILE=$(aws_cfg "${tool#aws-}" "$s") AWS_SHARED_CREDENTIALS_FILE=/dev/null \
      AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET AWS_DEFAULT_REGION=us-east-1 \
        /usr/bin/time -v -o "$tv" "$AWS_BIN" s3 cp --only-show-errors --endpoint-url "$(tool_endpoint "$s")" \
        "$f" "s3://$BUCKET/$key" > "$out" 2>&1 || rc=$?
      ;;
    rclone|rclone-default|rclone-tuned)
      # shellcheck disable=SC2046 # word splitting of the options is intended
      rclone_env "$s" /usr/bin/time -v -o "$tv" rclone copyto $(rclone_opts "$tool" one) \
        --s3-no-check-bucket "$f" "bench:$BUCKET/$key" > "$out" 2>&1 || rc=$?
      ;;
  esac
  t1=$(now)
  echo "$t0 $t1" > "$WORK/window.txt"
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
remove_prefix() { # server prefix; a no-op with KEEP_OBJECTS=1 (the WAN mode: unique prefixes, the server's
  # directory goes at exit, and a thousand DeleteObjects per run only cost time)
  [ "${KEEP_OBJECTS:-0}" = 1 ] && return 0
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
  echo "$t0 $t1" > "$WORK/window.txt"
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
        --endpoint-url "$(tool_endpoint "$s")" "$WORK/data/small" "s3://$BUCKET/$prefix/" > "$out" 2>&1 || rc=$?
      ;;
    rclone|rclone-default|rclone-tuned)
      # shellcheck disable=SC2046 # word splitting of the options is intended
      rclone_env "$s" /usr/bin/time -v -o "$tv" rclone copy $(rclone_opts "$tool" small) --s3-no-check-bucket \
        "$WORK/data/small" "bench:$BUCKET/$prefix" > "$out" 2>&1 || rc=$?
      ;;
    rclone-move) # Chute's own job: upload, check, delete the source (hard links of the set, so it stays)
      rm -rf "$WORK/staging/move-$3"; mkdir -p "$WORK/staging"; cp -al "$WORK/data/small" "$WORK/staging/move-$3"
      t0=$(now)
      # shellcheck disable=SC2046 # word splitting of the options is intended
      rclone_env "$s" /usr/bin/time -v -o "$tv" rclone move $(rclone_opts rclone small) --s3-no-check-bucket \
        "$WORK/staging/move-$3" "bench:$BUCKET/$prefix" > "$out" 2>&1 || rc=$?
      [ -z "$(find "$WORK/staging/move-$3" -type f -print -quit)" ] || { rc=99; note "rclone-move left files behind"; }
      rm -rf "$WORK/staging/move-$3"
      ;;
  esac
  t1=$(now)
  echo "$t0 $t1" > "$WORK/window.txt"
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
