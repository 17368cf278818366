#!/usr/bin/env bash
# Stop the cluster that start-rgw.sh started in DIR, using only the PIDs it
# recorded in DIR/pids (each checked against /proc/PID/exe first).
# usage: stop-rgw.sh [DIR] [--keep]   (--keep: leave DIR on disk; default wipes it)
# Without --keep the daemons get SIGKILL at once: all data is in the OSD's RAM (memstore) and DIR
# is wiped anyway, and a graceful stop takes ~5 s (nearly all radosgw). With --keep they get
# SIGTERM first so the logs are complete.
set -uo pipefail
DIR=${1:-/tmp/ceph-rgw}
KEEP=${2:-}
SIGNAL=TERM
[ "$KEEP" = "--keep" ] || SIGNAL=KILL
[ -d "$DIR/pids" ] || { echo "[stop-rgw] nothing recorded in $DIR/pids" >&2; exit 0; }

expect_exe() {
  case "$1" in
    mon.*) echo ceph-mon ;; osd.*) echo ceph-osd ;; rgw.*) echo radosgw ;; *) echo '?' ;;
  esac
}

# a zombie has exited; its parent (init or a container's PID 1) may take seconds to reap it
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # the state follows "(comm) "
  [ "${stat%% *}" != Z ]
}

pids=()
for name in rgw.a osd.0 mon.a; do   # reverse start order
  f="$DIR/pids/$name"
  [ -s "$f" ] || continue
  pid=$(cat "$f")
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  if [[ -n "$exe" && "$exe" == */"$(expect_exe "$name")"* ]]; then
    kill -"$SIGNAL" "$pid" 2>/dev/null && pids+=("$pid")
    # let rgw/osd go first so the mon can see them leave
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
  fi
  rm -f "$f"
done
for pid in "${pids[@]}"; do
  if alive "$pid"; then
    echo "[stop-rgw] pid $pid ignored SIGTERM, sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
done
for _ in $(seq 1 50); do
  any=0
  for pid in "${pids[@]}"; do alive "$pid" && any=1; done
  [ $any = 0 ] && break
  sleep 0.1
done
echo "[stop-rgw] stopped ${#pids[@]} daemon(s) in $DIR" >&2
if [ "$KEEP" != "--keep" ] && [ -f "$DIR/dir" ] && [ "$(cat "$DIR/dir")" = "$DIR" ]; then
  rm -rf "$DIR"
fi
exit 0
