#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster (Debian's postgresql package) on 127.0.0.1 only, with its
# unix socket inside DIR and trust authentication for the superuser `postgres`.
#
# usage: start-postgres.sh DIR [PORT]
#   DIR   state directory; a cluster is created in DIR/data unless one is there already (then it
#         is started again: the restart of a fault test)
#   PORT  TCP port on 127.0.0.1 (default 5499)
# env:  PG_FSYNC=on       keep fsync and full_page_writes on (default off: test speed)
#       PG_VERSION=15     the /usr/lib/postgresql/VERSION the cluster runs (default: the newest)
# Prints PG_URL=postgres://postgres@127.0.0.1:PORT/postgres on stdout (also in DIR/env).
# PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` user.
set -euo pipefail

DIR=${1:?usage: start-postgres.sh DIR [PORT]}
PORT=${2:-5499}
log() { echo "[start-postgres] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
case "$DIR" in /*) ;; *) DIR="$(pwd)/$DIR" ;; esac
[ "$DIR" != "/" ] || die "refusing DIR=/"

if [ -z "${PG_VERSION:-}" ]; then
  PG_VERSION=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1 || true)
fi
BIN=/usr/lib/postgresql/${PG_VERSION}/bin
if [ ! -x "$BIN/initdb" ]; then
  as_root=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "not root and no sudo; install first: apt-get install postgresql"
    as_root=(sudo)
  fi
  log "installing postgresql (apt)"
  apt_=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q)
  if ! "${apt_[@]}" install --no-install-recommends postgresql >/dev/null 2>&1; then
    "${apt_[@]}" update >/dev/null
    "${apt_[@]}" install --no-install-recommends postgresql >/dev/null
  fi
  PG_VERSION=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  BIN=/usr/lib/postgresql/${PG_VERSION}/bin
fi

as_owner=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root, and there is no postgres user to run as"
  as_owner=(runuser -u postgres --)
fi

mkdir -p "$DIR"
if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  "${as_owner[@]}" "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
fi
# synchronous_commit stays on: a commit is written to the OS before it is acknowledged, so a
# crashed (not a powered-off) server keeps every commit its clients saw.
durability=(-c fsync=off -c full_page_writes=off)
if [ "${PG_FSYNC:-off}" = on ]; then durability=(); fi
options="-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300 ${durability[*]}"
if ! "${as_owner[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -o "$options" -w -t 60 \
  start >/dev/null; then
  tail -n 20 "$DIR/postgres.log" >&2 || true
  die "pg_ctl start failed (port $PORT taken?)"
fi
echo "PG_URL=postgres://postgres@127.0.0.1:${PORT}/postgres" | tee "$DIR/env"
echo "PG_BIN=$BIN" >>"$DIR/env"
