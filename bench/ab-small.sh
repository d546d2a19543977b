#!/usr/bin/env bash
# Side-by-side CPU per small file of two Chute builds: both daemons run at the same time against one S3Proxy, get
# the same drops at the same moment (SMALL_N x SMALL_BYTES files each), and their CPU over each drop is read from
# /proc. A 2-core host with other work on it moves single figures by +-0.3 ms per file from drop to drop, so
# two builds measured one after the other cannot be compared; measured together they see the same load.
#
#   bench/ab-small.sh A_APP_DIR B_APP_DIR     # each a quarkus-app directory (copy target/quarkus-app aside)
#
# Knobs: AB_WARMUP (5 drops of SMALL_N per daemon, unrecorded: C2 reaches the request path only after
# 5,000-15,000 files), AB_DROPS (8 measured drops), AB_RCLONE (3 runs of each peer in AB_PEERS on the same set, one
# after each of the first drops, while both daemons idle), AB_PEERS ("rclone rclone-move": rclone copy and rclone move,
# Chute's own job, both --transfers 16), SMALL_N (2000), SMALL_BYTES (65536), A_OPTS / B_OPTS
# (extra JVM options per daemon), AB_JFR=1 (records both daemons over the measured drops, bench/work/ab-[ab].jfr). Prints one line per drop and the medians; the raw lines
# are kept in bench/work/ab-small.tsv.
set -euo pipefail
A_APP=$(cd "$1" && pwd); B_APP=$(cd "$2" && pwd)
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KEEP=0 SMALL_N=${SMALL_N:-2000} SMALL_BYTES=${SMALL_BYTES:-65536} CHUTE_QUIET_PERIOD=${CHUTE_QUIET_PERIOD:-500ms}
JFR=0 SERVER_XMX=${SERVER_XMX:-1g} CHUTE_EXTRA_OPTS=
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
bench_init
ensure_prereqs
[ -f "$S3PROXY_JAR" ] || { echo "no $S3PROXY_JAR: ./mvnw -B -o package -DskipTests first" >&2; exit 1; }
make_small_set
start_server s3proxy
JAR="$A_APP/quarkus-run.jar" CHUTE_EXTRA_OPTS=${A_OPTS:-} start_chute s3proxy a
JAR="$B_APP/quarkus-run.jar" CHUTE_EXTRA_OPTS=${B_OPTS:-} start_chute s3proxy b
TSV="$WORK/ab-small.tsv"
: > "$TSV"

compiler_cpu() { thread_cpu "$1" | awk '$3 ~ /Compiler/ { s += $2 } END { printf "%.2f", s }'; }
# One drop into daemon instance $1 (a or b) named $2; writes "seconds cpu_s compiler_cpu_s" to $WORK/drop-$1.txt.
drop() {
  local s=$1 name=$2 pid=${CHUTE_PID[$1]} t0 t1 c0 c1 j0 j1
  rm -rf "$WORK/staging/$name"
  cp -al "$WORK/data/small" "$WORK/staging/$name"
  c0=$(proc_cpu "$pid"); j0=$(compiler_cpu "$pid"); t0=$(now)
  mv "$WORK/staging/$name" "$WORK/drop/$s/$name"
  while [ -n "$(find "$WORK/drop/$s/$name" -type f -print -quit)" ]; do sleep 0.05; done
  t1=$(now); c1=$(proc_cpu "$pid"); j1=$(compiler_cpu "$pid")
  echo "$(elapsed "$t0" "$t1") $(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }') $(awk -v a="$j0" -v b="$j1" 'BEGIN { printf "%.2f", b - a }')" > "$WORK/drop-$s.txt"
  rm -rf "$WORK/drop/$s/$name"
}
pair() { # run-name
  drop a "small-a$1" & local pa=$!
  drop b "small-b$1" & local pb=$!
  wait "$pa" "$pb"
  local n
  for s in a b; do
    n=$(count_objects s3proxy "chute/small-$s$1/")
    [ "$n" = "$SMALL_N" ] || { echo "daemon $s: $n objects for drop $1, expected $SMALL_N" >&2; exit 1; }
    remove_prefix s3proxy "chute/small-$s$1/"
  done
}
peak_rss() { awk '/VmHWM/ { print $2 }' "/proc/${CHUTE_PID[$1]}/status"; }
per_file() { awk -v c="$1" -v n="$SMALL_N" 'BEGIN { printf "%.2f", c * 1000 / n }'; }

for ((i = 1; i <= ${AB_WARMUP:-5}; i++)); do
  pair "w$i"
  log "warm-up $i: a $(cat "$WORK/drop-a.txt") | b $(cat "$WORK/drop-b.txt") (s, CPU s, compiler CPU s)"
done
if [ "${AB_JFR:-0}" = 1 ]; then # a JFR recording (profile settings) of both daemons over the measured drops
  for s in a b; do jcmd "${CHUTE_PID[$s]}" JFR.start name=ab settings=profile filename="$WORK/ab-$s.jfr" > /dev/null; done
fi
for ((i = 1; i <= ${AB_DROPS:-8}; i++)); do
  pair "m$i"
  read -r ta ca ja < "$WORK/drop-a.txt"; read -r tb cb jb < "$WORK/drop-b.txt"
  printf 'chute\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$(per_file "$ca")" "$(per_file "$cb")" \
    "$ta" "$tb" "$ca" "$cb" "$ja" "$jb" "$(cut -d' ' -f1 /proc/loadavg)" >> "$TSV"
  log "drop $i: CPU ms/file a $(per_file "$ca") b $(per_file "$cb") (wall a ${ta}s b ${tb}s; compiler a ${ja}s b ${jb}s; load $(cut -d' ' -f1 /proc/loadavg); peak RSS KiB a $(peak_rss a) b $(peak_rss b))"
  if [ "$i" -le "${AB_RCLONE:-3}" ]; then
    for peer in ${AB_PEERS:-rclone rclone-move}; do
      r=$(peer_small s3proxy "$peer" "ab$i")
      [ "$r" != FAIL ] || { echo "$peer failed: $(cat "$NOTES")" >&2; exit 1; }
      read -r tr _ cr <<< "$r"
      printf '%s\t%d\t%s\t\t%s\t\t%s\n' "$peer" "$i" "$(per_file "$cr")" "$tr" "$cr" >> "$TSV"
      log "$peer $i: CPU ms/file $(per_file "$cr") (wall ${tr}s)"
    done
  fi
done
if [ "${AB_JFR:-0}" = 1 ]; then
  for s in a b; do jcmd "${CHUTE_PID[$s]}" JFR.stop name=ab > /dev/null; log "JFR of $s: $WORK/ab-$s.jfr"; done
fi
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "peak RSS since start: a $(peak_rss a) KiB, b $(peak_rss b) KiB"
echo "A ($A_APP): median $(awk -F'\t' '$1 == "chute" { print $3 }' "$TSV" | median) ms CPU per file over $(grep -c '^chute' "$TSV") drops"
echo "B ($B_APP): median $(awk -F'\t' '$1 == "chute" { print $4 }' "$TSV" | median) ms CPU per file over $(grep -c '^chute' "$TSV") drops"
for peer in ${AB_PEERS:-rclone rclone-move}; do
  echo "$peer --transfers 16: median $(awk -F'\t' -v p="$peer" '$1 == p { print $3 }' "$TSV" | median) ms CPU per file over $(grep -c "^$peer"$'\t' "$TSV") runs"
done
