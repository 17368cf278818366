#!/usr/bin/env bash
# Start a throw-away single-node Ceph cluster (1 mon, 1 memstore OSD, no mgr,
# auth none) plus radosgw (beast frontend) on 127.0.0.1 only.
#
# usage: start-rgw.sh [DIR] [PORT]
#   DIR   state directory (default /tmp/ceph-rgw); wiped and recreated unless
#         a cluster started by this script is already running there
#   PORT  S3 port on 127.0.0.1 (default 7480); the monitor uses PORT+1
#         (override with MON_PORT=...)
# env:  S3_ACCESS_KEY / S3_SECRET_KEY (fixed defaults below),
#       MEMSTORE_BYTES (OSD RAM capacity, default 4 GiB; only used bytes cost RAM),
#       CEPH_START_TIMEOUT (seconds per wait step, default 60)
# Prints S3_ENDPOINT=, S3_ACCESS_KEY=, S3_SECRET_KEY=, S3_REGION= lines on stdout
# (also written to DIR/env). Stop with stop-rgw.sh DIR (kills only recorded PIDs).
# Idempotent: a second call with the same DIR while it is up just prints the env.
set -euo pipefail

DIR=${1:-/tmp/ceph-rgw}
PORT=${2:-7480}
MON_PORT=${MON_PORT:-$((PORT + 1))}
ACCESS_KEY=${S3_ACCESS_KEY:-TESTACCESSKEY0000001}
SECRET_KEY=${S3_SECRET_KEY:-testsecretkey00000000000000000000000001}
MEMSTORE_BYTES=${MEMSTORE_BYTES:-4294967296}
TIMEOUT=${CEPH_START_TIMEOUT:-60}
ENDPOINT="http://127.0.0.1:${PORT}"
HERE=$(cd "$(dirname "$0")" && pwd)

log() { echo "[start-rgw] $*" >&2; }
stamp() { [ -z "${T0:-}" ] || log "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%5.1fs", b-a}') $*"; }
die() { log "ERROR: $*"; exit 1; }

case "$DIR" in /*) ;; *) DIR="$(pwd)/$DIR" ;; esac
[ "$DIR" != "/" ] || die "refusing DIR=/"

print_env() {
  cat "$DIR/env"
}

# ---------------------------------------------------------------- packages --
need_pkgs=()
for p in ceph-mon ceph-osd radosgw ceph-common curl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  # apt needs root: use sudo when we are not root (CI runs as root and may have no sudo)
  as_root=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null \
      || die "not root and no sudo; install first: apt-get install --no-install-recommends ${need_pkgs[*]}"
    as_root=(sudo)
  fi
  log "installing ${need_pkgs[*]} (apt, --no-install-recommends: ~61 MB download, ~30 s)"
  apt_=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q)
  if ! "${apt_[@]}" install --no-install-recommends "${need_pkgs[@]}" >/dev/null 2>&1; then
    # a fresh machine has no package lists yet
    "${apt_[@]}" update >/dev/null
    "${apt_[@]}" install --no-install-recommends "${need_pkgs[@]}" >/dev/null
  fi
fi

# --------------------------------------------------------- already running --
pid_alive() { # name -> 0 if recorded pid is alive and is the expected binary
  local f="$DIR/pids/$1" pid exe
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  case "$1" in
    mon.a) [[ "$exe" == */ceph-mon* ]] ;;
    osd.0) [[ "$exe" == */ceph-osd* ]] ;;
    rgw.a) [[ "$exe" == */radosgw* ]] ;;
  esac
}
http_code() { curl -s -o /dev/null -m 2 -w '%{http_code}' "$ENDPOINT/" 2>/dev/null || true; }

if [ -f "$DIR/env" ] && pid_alive mon.a && pid_alive osd.0 && pid_alive rgw.a \
   && grep -q "^S3_ENDPOINT=$ENDPOINT\$" "$DIR/env" && [ "$(http_code)" = 200 ]; then
  log "already running in $DIR"
  print_env
  exit 0
fi

# leftovers of an earlier run in this DIR: stop what we recorded, then wipe
if [ -d "$DIR/pids" ]; then
  "$HERE/stop-rgw.sh" "$DIR" >&2 || true
fi
rm -rf "$DIR"
mkdir -p "$DIR"/{pids,run,log,mon.a,osd.0,rgw.a}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_busy "$PORT" && die "something already listens on 127.0.0.1:$PORT"
port_busy "$MON_PORT" && die "something already listens on 127.0.0.1:$MON_PORT (monitor port; set MON_PORT)"

# on any failure from here on, stop what was started (logs stay in DIR/log)
started_ok=0
trap '[ $started_ok = 1 ] || { log "start failed; stopping daemons, logs kept in $DIR/log"; "$HERE/stop-rgw.sh" "$DIR" --keep >&2 || true; }' EXIT

T0=$(date +%s.%N)
FSID=$(cat /proc/sys/kernel/random/uuid)
CONF="$DIR/ceph.conf"
cat > "$CONF" <<EOF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
ms bind ipv4 = true
ms bind ipv6 = false
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
auth allow insecure global id reclaim = false
keyring = $DIR/keyring
run dir = $DIR/run
log file = $DIR/log/\$name.log
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log to stderr = false
err to stderr = false
mon cluster log file = $DIR/log/cluster.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 2
mon data avail crit = 1

[mon]
mon data = $DIR/mon.\$id
# commit map changes at once instead of batching for 1 s (speeds pool creation)
paxos propose interval = 0.01
paxos min wait = 0.001

[osd]
osd data = $DIR/osd.\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd op num shards = 2
osd op num threads per shard = 1

[client]
log file = $DIR/log/\$name.log
admin socket = $DIR/run/\$name.\$pid.asok

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
# radosgw defaults to a 'secure' mon connection, which auth 'none' cannot offer
ms mon client mode = crc
rgw data = $DIR/rgw.a
admin socket = $DIR/run/\$name.asok
rgw thread pool size = 64
rgw gc obj min wait = 30
rgw gc processor period = 30
rgw enable usage log = false
rgw crypt require ssl = false
EOF
echo "$DIR" > "$DIR/dir"

wait_for() { # desc, command...
  local desc=$1; shift
  local end=$(( $(date +%s) + TIMEOUT ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || die "timeout waiting for $desc (logs in $DIR/log)"
    sleep 0.2
  done
}
ceph_() { ceph -c "$CONF" --connect-timeout 10 "$@"; }

start_daemon() { # name, binary args... ; runs in foreground mode under setsid
  local name=$1; shift
  setsid "$@" -f >"$DIR/log/$name.stdout" 2>&1 < /dev/null &
  echo $! > "$DIR/pids/$name"
}

# ----------------------------------------------------------------- monitor --
ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring"
start_daemon mon.a ceph-mon -c "$CONF" -i a
wait_for "monitor" ceph_ mon stat
stamp "monitor up (127.0.0.1:$MON_PORT)"

# --------------------------------------------------------------------- OSD --
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$(ceph_ osd new "$OSD_UUID")
[ "$OSD_ID" = 0 ] || die "unexpected osd id '$OSD_ID'"
ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >"$DIR/log/osd.0.mkfs" 2>&1 \
  || { cat "$DIR/log/osd.0.mkfs" >&2; die "ceph-osd --mkfs failed"; }
start_daemon osd.0 ceph-osd -c "$CONF" -i 0
osd_up() { ceph_ osd dump --format json | grep -q '"osd":0,"uuid":"[^"]*","up":1'; }
wait_for "osd.0 up" osd_up
stamp "osd.0 up"

# ------------------------------------------------------------------ radosgw --
start_daemon rgw.a radosgw -c "$CONF" -n client.rgw.a
rgw_ready() { [ "$(http_code)" = 200 ]; }
wait_for "radosgw on $ENDPOINT" rgw_ready
stamp "radosgw answers on $ENDPOINT"

radosgw-admin -c "$CONF" user create --uid=tester --display-name="S3 tester" \
  --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >"$DIR/log/user-create.json" 2>"$DIR/log/user-create.err" \
  || { cat "$DIR/log/user-create.err" >&2; die "radosgw-admin user create failed"; }

T1=$(date +%s.%N)
started_ok=1
cat > "$DIR/env" <<EOF
S3_ENDPOINT=$ENDPOINT
S3_ACCESS_KEY=$ACCESS_KEY
S3_SECRET_KEY=$SECRET_KEY
S3_REGION=us-east-1
CEPH_CONF=$CONF
EOF
log "ready in $(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}')s (mon $(cat "$DIR/pids/mon.a"), osd $(cat "$DIR/pids/osd.0"), rgw $(cat "$DIR/pids/rgw.a"))"
print_env
