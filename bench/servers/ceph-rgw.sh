#!/usr/bin/env bash
# A throwaway single-node Ceph cluster with an S3 gateway (RADOS Gateway), for tests and benchmarks.
# No Docker, no systemd, nothing outside DIR: one monitor, one OSD on the in-memory "memstore" backend, one
# radosgw with the beast frontend on 127.0.0.1:PORT, and an S3 user with fixed keys.
#
#   bench/servers/ceph-rgw.sh start DIR [PORT]   # PORT default 7480; DIR is created and must not hold a cluster
#   bench/servers/ceph-rgw.sh stop DIR           # kills every daemon started in DIR, then removes DIR
#
# With OWNER_PID=<pid> in the environment, `start` also leaves a watcher that stops the cluster once that
# process is gone (the tests pass their JVM's pid, so a JVM killed with SIGKILL leaves no daemons behind).
# `start` prints endpoint=, access_key=, secret_key= and region= lines (and nothing else on stdout) once the
# gateway answers HTTP and the user exists; progress and errors go to stderr. On failure it prints the tail of
# the log that explains it, stops what it started, removes DIR and exits non-zero.
# Needs Debian's packages ceph-mon, ceph-osd and radosgw (bookworm: Ceph 16.2.15, "pacific"; ~70 MB).
# Memory: the OSD keeps every object in RAM (at most MEMSTORE_BYTES, default 2 GiB), the daemons ~300 MB more.
#
# The settings that are not Ceph's defaults, and why:
#   auth cluster/service/client required = none  no cephx: nothing to distribute, every client is local.
#   ms mon client mode = crc (clients)     radosgw asks the monitor for "secure" mode by default, which needs
#                                          cephx session keys; without cephx it retries forever with -13.
#   public addr / cluster addr = 127.0.0.1 else the OSD binds the host's first non-loopback address.
#   mon host on free ports                 not 3300/6789, so a second cluster (or a real one) does not clash.
#   osd objectstore = memstore             RAM instead of a block device; memstore device bytes caps it.
#   osd pool default size/min size = 1, mon allow pool size one = true
#                                          one OSD holds the only copy; Pacific refuses size-1 pools otherwise.
#   osd crush chooseleaf type = 0          replicas spread over OSDs, not hosts (there is one host).
#   osd pool default pg num / pgp num = 8  radosgw creates ~8 pools; 32 PGs each would pass the 250-PGs-per-OSD cap.
#   run dir, admin socket, pid file, log file, mon cluster log file, crash dir, mon data, osd data, keyring under DIR
#                                          nothing lands in /var/run/ceph, /var/lib/ceph or /var/log/ceph.
#   rgw frontends = beast endpoint=127.0.0.1:PORT   loopback only. Every other rgw option is left at its default
#                                          (SigV4 enforced, path-style and virtual-host addressing, ...): tests see
#                                          RGW as it ships.
set -Eeuo pipefail

ACCESS_KEY=chute-rgw-access
SECRET_KEY=chute-rgw-secret-key
REGION=us-east-1                      # RGW accepts any SigV4 region for its default zonegroup
MEMSTORE_BYTES=${MEMSTORE_BYTES:-$((2 * 1024 * 1024 * 1024))}
START_TIMEOUT=${START_TIMEOUT:-90}   # seconds for each wait below

usage() { sed -n '5,7p' "$0" | sed 's/^# //' >&2; exit 2; }
log() { printf '[ceph-rgw %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

need_binaries() {
  local missing=() b
  for b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph-authtool ceph; do
    command -v "$b" >/dev/null 2>&1 || missing+=("$b")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "ceph-rgw: missing ${missing[*]}: install the Debian packages ceph-mon ceph-osd radosgw" >&2
    exit 3
  fi
}

free_port() { # a TCP port nobody listens on now (best effort: it could be taken before the daemon binds it)
  # Drawn below the kernel's ephemeral range: a port there may be the local end of some outgoing connection,
  # which a connect test cannot see and which makes the monitor's bind fail with "Address already in use".
  local p low=32768 high=60999 base span
  read -r low high < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  if [ "$low" -gt 12000 ]; then base=10000; span=$((low - 10000)); else base=$((high + 1)); span=$((65535 - high)); fi
  for _ in $(seq 1 200); do
    p=$((base + RANDOM % span))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "ceph-rgw: no free port found" >&2; exit 1
}

stop_cluster() { # DIR: kill the daemons whose pids are recorded in DIR, then remove DIR
  local dir=$1 f pid pids=()
  [ -d "$dir" ] || return 0
  for f in "$dir"/pids/*; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    # only a pid that is still one of our daemons (its command line names this DIR's ceph.conf)
    if [ -n "$pid" ] && grep -qF "$dir/ceph.conf" "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
    fi
  done
  for _ in $(seq 1 10); do # up to 1 s to exit cleanly, then SIGKILL: the data is thrown away anyway
    local alive=0
    for pid in "${pids[@]}"; do running "$pid" && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 200); do # a killed daemon takes ~1 s to be gone (its threads and memory are torn down)
    local alive=0
    for pid in "${pids[@]}"; do running "$pid" && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.05
  done
  rm -rf "$dir"
}

running() { # PID: alive and not a zombie (an orphaned daemon is reaped by whoever adopted it, maybe never)
  [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# Waits up to START_TIMEOUT s for COMMAND to succeed while the daemon NAME (pid in DIR/pids/NAME) is alive.
wait_for() { # DIR NAME WHAT COMMAND...
  local dir=$1 name=$2 what=$3; shift 3
  local deadline=$((SECONDS + START_TIMEOUT)) pid
  pid=$(cat "$dir/pids/$name")
  until "$@" >/dev/null 2>&1; do
    if ! running "$pid"; then fail "$dir" "$name" "$name exited before $what"; fi
    if [ $SECONDS -ge $deadline ]; then fail "$dir" "$name" "no $what within ${START_TIMEOUT}s"; fi
    sleep 0.3
  done
}

fail() { # DIR NAME MESSAGE: report with the tail of NAME's log, stop everything, exit 1
  local dir=$1 name=$2 f
  echo "ceph-rgw: $3" >&2
  for f in "$dir/log/$name.log" "$dir/log/$name.out"; do
    if [ -s "$f" ]; then echo "--- last lines of $f:" >&2; tail -n 40 "$f" >&2; fi
  done
  trap - ERR
  stop_cluster "$dir"
  exit 1
}

start_cluster() { # DIR PORT
  local dir=$1 port=$2 fsid osd_uuid mon_v2 mon_v1 t0=$SECONDS
  need_binaries
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
    echo "ceph-rgw: $dir exists and is not empty" >&2; exit 2
  fi
  mkdir -p "$dir"/{run,log,pids,mon/ceph-a,osd/ceph-0}
  dir=$(cd "$dir" && pwd)
  # Any failure from here on stops what was started and removes DIR.
  trap 'fail "$dir" "${current:-mon}" "failed at line $LINENO: $BASH_COMMAND"' ERR
  local current=mon
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "$dir" mon "port $port on 127.0.0.1 is already in use"
  fi
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  mon_v2=$(free_port); mon_v1=$(free_port)
  while [ "$mon_v1" = "$mon_v2" ]; do mon_v1=$(free_port); done

  cat > "$dir/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_v2,v1:127.0.0.1:$mon_v1]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
keyring = $dir/keyring
run dir = $dir/run
admin socket = $dir/run/\$cluster-\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
log to stderr = false
err to stderr = true
crash dir = $dir/crash
mon cluster log file = default=$dir/log/\$cluster.\$channel.log cluster=$dir/log/\$cluster.log
mon data = $dir/mon/\$cluster-\$id
osd data = $dir/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8

[client]
ms mon client mode = crc

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$port
EOF
  local conf="$dir/ceph.conf"
  local ceph=(ceph -c "$conf" --connect-timeout 5)

  log "monitor on 127.0.0.1:$mon_v2 (v2) and :$mon_v1 (v1)"
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_v2,v1:127.0.0.1:$mon_v1]" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" >"$dir/log/mon.out" 2>&1
  ceph-mon -c "$conf" -i a -f </dev/null >>"$dir/log/mon.out" 2>&1 &
  echo $! > "$dir/pids/mon"
  ln -sf mon.a.log "$dir/log/mon.log"
  wait_for "$dir" mon "monitor quorum" "${ceph[@]}" mon stat

  current=osd
  log "OSD 0 (memstore, $((MEMSTORE_BYTES / 1024 / 1024)) MiB)"
  "${ceph[@]}" osd new "$osd_uuid" 0 >/dev/null
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$dir/log/osd.out" 2>&1
  ceph-osd -c "$conf" -i 0 -f </dev/null >>"$dir/log/osd.out" 2>&1 &
  echo $! > "$dir/pids/osd"
  ln -sf osd.0.log "$dir/log/osd.log"
  wait_for "$dir" osd "OSD up" osd_up "$conf"

  current=rgw
  log "radosgw on http://127.0.0.1:$port"
  radosgw -c "$conf" -n client.rgw -f </dev/null >"$dir/log/rgw.out" 2>&1 &
  echo $! > "$dir/pids/rgw"
  ln -sf client.rgw.log "$dir/log/rgw.log"
  wait_for "$dir" rgw "HTTP answer on 127.0.0.1:$port" http_answers "$port"

  radosgw-admin -c "$conf" -n client.admin user create --uid=chute --display-name=chute \
    --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >"$dir/log/user.out" 2>&1 \
    || fail "$dir" user "radosgw-admin user create failed"
  trap - ERR
  if [ -n "${OWNER_PID:-}" ]; then
    ( # detached from our stdout/stderr, so whoever reads them sees EOF when this script ends
      while kill -0 "$OWNER_PID" 2>/dev/null && [ -d "$dir" ]; do sleep 2; done
      if [ -d "$dir" ]; then echo "owner $OWNER_PID is gone: stopping" >>"$dir/log/watcher.log"; stop_cluster "$dir"; fi
    ) </dev/null >/dev/null 2>&1 &
  fi
  log "ready in $((SECONDS - t0)) s (data and logs in $dir)"
  echo "endpoint=http://127.0.0.1:$port"
  echo "access_key=$ACCESS_KEY"
  echo "secret_key=$SECRET_KEY"
  echo "region=$REGION"
}

osd_up() { # CONF: OSD 0 is up and in
  ceph -c "$1" --connect-timeout 5 osd dump 2>/dev/null | grep -q '^osd\.0 up  *in '
}

http_answers() { # PORT: any HTTP status line from GET /
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  local line
  IFS= read -r -t 5 line <&3 || { exec 3<&-; return 1; }
  exec 3<&-
  [[ "$line" == HTTP/* ]]
}

case "${1:-}" in
  start) [ $# -ge 2 ] && [ $# -le 3 ] || usage; start_cluster "$2" "${3:-7480}" ;;
  stop) [ $# -eq 2 ] || usage; stop_cluster "$2" ;;
  *) usage ;;
esac
