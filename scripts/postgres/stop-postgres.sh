#!/usr/bin/env bash
# Stop a cluster started by start-postgres.sh and, unless KEEP=1, delete DIR.
#
# usage: stop-postgres.sh DIR [MODE]
#   MODE  pg_ctl's shutdown mode: fast (default) or immediate (a crash: recovery on next start)
set -euo pipefail

DIR=${1:?usage: stop-postgres.sh DIR [MODE]}
MODE=${2:-fast}
[ "$DIR" != "/" ] || { echo "refusing DIR=/" >&2; exit 1; }
BIN=$(sed -n 's/^PG_BIN=//p' "$DIR/env" 2>/dev/null || true)
if [ -n "$BIN" ] && [ -f "$DIR/data/postmaster.pid" ]; then
  as_owner=()
  if [ "$(id -u)" = 0 ]; then as_owner=(runuser -u postgres --); fi
  "${as_owner[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m "$MODE" -w -t 60 stop >/dev/null || true
fi
if [ "${KEEP:-0}" != 1 ]; then rm -rf "$DIR"; fi
