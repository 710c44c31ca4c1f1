#!/usr/bin/env bash
# Load and database-fault test (`make load`; not part of `make test`).
#
# Serves the site as production does (gunicorn, one sync worker per core, DJANGO_DEBUG=0,
# collected static files, Redis for the cache with the page cache off) on a PRIVATE PostgreSQL
# cluster made for this run (initdb into a temporary directory, its own port, no fsync), with
# the demo content, over plain http on 127.0.0.1 (so the HTTPS redirect is off). Then:
#
#   1. load: wrk drives the article page, the list and search for 30 s at 50 connections each
#      and prints requests/s, latency and the count of non-2xx/3xx responses and socket
#      errors. Expected: none of either.
#   2. hard stop: while wrk runs against the article page and curl polls it twice a second,
#      PostgreSQL is stopped for about 5 s and started again. Expected: 503 with the friendly
#      page and Retry-After (never a 500 or a traceback) while it is down, 200 again by itself
#      once it is back.
#   3. frozen: the same, but PostgreSQL's postmaster and every one of its processes are
#      suspended (SIGSTOP) for about 5 s, then resumed (SIGCONT): connections stay open, the
#      kernel still acknowledges every packet, and nothing answers. The statement timeout cannot
#      fire; the client-side bound (DJANGO_DB_CLIENT_TIMEOUT_SECONDS, hslhealing/
#      database_timeouts.py) must. Expected: 503 with Retry-After, every curl answered within
#      LOAD_ANSWER_BOUND seconds (no worker held until gunicorn kills it), 200 again by itself.
#
# The shared PostgreSQL (port 5432) is never touched. The private cluster, gunicorn and wrk are
# stopped and the cluster's directory removed at the end, whatever happens (trap); a frozen
# cluster is resumed first. Runs as root (initdb and pg_ctl then run as the `postgres` user;
# apt-get installs wrk when missing) or as any user who may run PostgreSQL's binaries.
#
# Knobs: LOAD_DURATION (30s), LOAD_CONNECTIONS (50), LOAD_OUTAGE_SECONDS (5), LOAD_PG_PORT
# (55432), LOAD_DB_CLIENT_TIMEOUT (1 s: DJANGO_DB_CLIENT_TIMEOUT_SECONDS and
# DJANGO_DB_CONNECT_TIMEOUT for this run), LOAD_ANSWER_BOUND (10 s).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${LOAD_DURATION:-30s}
CONNECTIONS=${LOAD_CONNECTIONS:-50}
OUTAGE_SECONDS=${LOAD_OUTAGE_SECONDS:-5}
CLIENT_TIMEOUT=${LOAD_DB_CLIENT_TIMEOUT:-1}
ANSWER_BOUND=${LOAD_ANSWER_BOUND:-10}
DB_NAME=hsl_load
PG_HOST=127.0.0.1
PG_PORT=${LOAD_PG_PORT:-55432}
WORKERS=$(nproc)
ARTICLE=/articles/magnesium-glycinate-nerve-conduction/
PAGES=("$ARTICLE" /articles/ "/search/?q=magnesium")

WORK=$(mktemp -d /tmp/hsl-load.XXXXXX)
PG_DIR=""
PG_STARTED=0
FROZEN_PIDS=""
GUNICORN_PID=""
WRK_PID=""
POLL_PID=""
FAILURES=()

say() { printf '\n== %s\n' "$*"; }
fail() { FAILURES+=("$*"); printf 'FAIL: %s\n' "$*"; }
as_postgres() {  # PostgreSQL's server binaries refuse to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_ctl_private() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" "$@"; }
pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }
psql_admin() { psql -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

start_postgres() {
  pg_ctl_private -l "$PG_DIR/postgres.log" -w -t 30 start -o "-p $PG_PORT -k $PG_DIR \
    -c listen_addresses=$PG_HOST -c fsync=off -c synchronous_commit=off \
    -c full_page_writes=off" >/dev/null
}
stop_postgres() { pg_ctl_private -m "${1:-fast}" -w stop >/dev/null; }
# The postmaster first, so that it forks nothing new, then every process it started.
freeze_postgres() {
  local postmaster
  postmaster=$(head -n1 "$PG_DIR/data/postmaster.pid")
  kill -STOP "$postmaster"
  FROZEN_PIDS="$postmaster $(pgrep -P "$postmaster" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  kill -STOP $FROZEN_PIDS
}
thaw_postgres() {
  # shellcheck disable=SC2086
  kill -CONT $FROZEN_PIDS
  FROZEN_PIDS=""
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$WRK_PID" ]; then kill "$WRK_PID" 2>/dev/null || true; fi
  if [ -n "$POLL_PID" ]; then kill "$POLL_PID" 2>/dev/null || true; fi
  if [ -n "$FROZEN_PIDS" ]; then
    echo "cleanup: resuming the frozen PostgreSQL"
    thaw_postgres || true
  fi
  if [ -n "$GUNICORN_PID" ]; then
    kill "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  if [ "$PG_STARTED" = 1 ]; then stop_postgres immediate 2>/dev/null || true; fi
  if [ -n "$PG_DIR" ]; then rm -rf "$PG_DIR"; fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools and the private PostgreSQL ------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
fi
PG_BIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1)
if [ -z "$PG_BIN" ]; then PG_BIN=$(dirname "$(command -v initdb || echo /initdb-not-found)"); fi
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL's initdb was not found" >&2; exit 1; }
if ! .venv/bin/python -c "import socket, sys; socket.create_server(('$PG_HOST', $PG_PORT))" 2>/dev/null; then
  echo "port $PG_PORT is in use: set LOAD_PG_PORT to a free one" >&2
  exit 1
fi

say "private PostgreSQL ($("$PG_BIN/postgres" --version)) on $PG_HOST:$PG_PORT"
PG_DIR=$(mktemp -d /tmp/hsl-load-pg.XXXXXX)
if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DIR"; fi
as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 \
  --no-locale >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; exit 1; }
PG_STARTED=1
start_postgres || { cat "$PG_DIR/postgres.log" >&2; exit 1; }

# --- the site, as production runs it ------------------------------------------------------
say "database $DB_NAME, demo content, static files"
psql_admin -c "CREATE DATABASE $DB_NAME"

# Only what this run sets: nothing from the caller's shell (a Redis cache, a replica, S3, a CDN).
for name in $(env | grep -oE '^(DJANGO_[A-Z_]*|HSL_[A-Z_]*|DATABASE_[A-Z_]*|CACHE_URL|REDIS_URL)='); do
  unset "${name%=}"
done
export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY="load-test-$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_SSL_REDIRECT=0 DJANGO_SECURE_PROXY_SSL_HEADER=0 DJANGO_SECURE_COOKIES=0
export DATABASE_URL="postgres://postgres@$PG_HOST:$PG_PORT/$DB_NAME"
export DJANGO_STATIC_ROOT="$WORK/static" DJANGO_MEDIA_ROOT="$WORK/media"
export DJANGO_LOG_LEVEL=WARNING
# A frozen server is given up on after this long, while connecting or waiting for an answer
# (hslhealing/database_timeouts.py); the defaults (5 s, 20 s) would outlast a 5 s freeze.
export DJANGO_DB_CLIENT_TIMEOUT_SECONDS="$CLIENT_TIMEOUT" DJANGO_DB_CONNECT_TIMEOUT="$CLIENT_TIMEOUT"
# As production: the workers share Redis (a database of its own, emptied first). The page cache
# is off, so the load and the outage reach the views and the database; with it on, readers keep
# getting the pages cached before the outage (the page cache's own figures: make bench).
export REDIS_URL=redis://127.0.0.1:6379/12 DJANGO_PAGE_CACHE_SECONDS=0
redis-cli -n 12 flushdb >/dev/null

.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py load_demo
.venv/bin/python manage.py collectstatic --no-input -v 0

PORT=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
say "gunicorn: $WORKERS sync workers on $BASE"
.venv/bin/gunicorn hslhealing.wsgi --workers "$WORKERS" --bind "127.0.0.1:$PORT" \
  --log-level warning --error-logfile "$WORK/gunicorn.log" --capture-output &
GUNICORN_PID=$!
for _ in $(seq 1 60); do
  curl -fs -o /dev/null "$BASE$ARTICLE" && break
  sleep 0.5
done
for page in "${PAGES[@]}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$page")
  echo "GET $page -> $code"
  [ "$code" = 200 ] || fail "$page answered $code before the load test"
done

# wrk counts every status class itself (its own summary only counts non-2xx/3xx together).
cat >"$WORK/count.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) s2, s3, s4, s503, bare503, s5 = 0, 0, 0, 0, 0, 0 end
function response(status, headers, body)
  if status == 503 then
    s503 = s503 + 1
    if headers["Retry-After"] == nil then bare503 = bare503 + 1 end
  elseif status >= 500 then s5 = s5 + 1
  elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1
  else s2 = s2 + 1 end
end
function done(summary, latency, requests)
  local c = {s2 = 0, s3 = 0, s4 = 0, s503 = 0, bare503 = 0, s5 = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(c) do c[name] = c[name] + thread:get(name) end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f mean_ms=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f " ..
    "2xx=%d 3xx=%d 4xx=%d 503=%d 503_without_retry_after=%d other_5xx=%d non_2xx_3xx=%d " ..
    "socket_connect=%d socket_read=%d socket_write=%d socket_timeout=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency.mean / 1000,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, c.s2, c.s3, c.s4, c.s503, c.bare503, c.s5, e.status,
    e.connect, e.read, e.write, e.timeout))
end
LUA

field() { grep -o "$1=[0-9.]*" <<<"$2" | cut -d= -f2; }

# --- 1. load --------------------------------------------------------------------------------
say "load: wrk, $DURATION at $CONNECTIONS connections per page"
printf '%-28s %9s %9s %9s %9s %9s %8s %8s %8s\n' page "req/s" "mean ms" "p50 ms" "p99 ms" \
  "max ms" non2xx3xx 5xx sockerr
for page in "${PAGES[@]}"; do
  result=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s "$WORK/count.lua" "$BASE$page" |
    grep '^RESULT')
  socket_errors=$(($(field socket_connect "$result") + $(field socket_read "$result") +
    $(field socket_write "$result") + $(field socket_timeout "$result")))
  server_errors=$(($(field 503 "$result") + $(field other_5xx "$result")))
  printf '%-28s %9s %9s %9s %9s %9s %8s %8s %8s\n' "$page" "$(field rps "$result")" \
    "$(field mean_ms "$result")" "$(field p50_ms "$result")" "$(field p99_ms "$result")" \
    "$(field max_ms "$result")" "$(field non_2xx_3xx "$result")" "$server_errors" "$socket_errors"
  echo "  ${result#RESULT }"
  [ "$(field non_2xx_3xx "$result")" = 0 ] || fail "$page: non-2xx/3xx responses under load"
  [ "$server_errors" = 0 ] || fail "$page: 5xx responses under load"
  [ "$socket_errors" = 0 ] || fail "$page: socket errors under load"
done

# --- 2. and 3. faults: PostgreSQL stopped, then frozen, mid-run --------------------------------
elapsed() { awk -v now="$(date +%s.%N)" -v start="$START" 'BEGIN { printf "%.1f", now - start }'; }
poll() {  # one line per answer: seconds since start when it came, status, Retry-After, duration
  while :; do
    local at code retry
    code=$(curl -s -m 30 -D "$WORK/headers.txt" -o "$WORK/last.html" \
      -w '%{http_code} %{time_total}' "$BASE$ARTICLE" || true)
    at=$(elapsed)
    retry=$(awk 'tolower($1) == "retry-after:" { print $2 }' "$WORK/headers.txt" | tr -d '\r')
    if [ "${code%% *}" = 503 ] && [ ! -e "$WORK/outage.html" ]; then
      cp "$WORK/last.html" "$WORK/outage.html"
    fi
    echo "$at ${code%% *} ${retry:--} ${code##* }"
    sleep 0.5
  done
}

# fault_phase NAME DOWN UP: wrk and curl on the article page for 20 s; after 4 s, run DOWN,
# wait LOAD_OUTAGE_SECONDS, run UP; then check the answers.
fault_phase() {
  local name=$1 down=$2 up=$3 fault codes first_200 slowest
  rm -f "$WORK/outage.html"
  START=$(date +%s.%N)
  wrk -t2 -c"$CONNECTIONS" -d20s --timeout 30s -s "$WORK/count.lua" "$BASE$ARTICLE" \
    >"$WORK/$name-wrk.txt" &
  WRK_PID=$!
  poll >"$WORK/$name-poll.txt" &
  POLL_PID=$!
  sleep 4
  echo "t=$(elapsed)s $down"
  $down
  sleep "$OUTAGE_SECONDS"
  echo "t=$(elapsed)s $up"
  $up
  for _ in $(seq 1 60); do pg_ready && break; sleep 0.5; done
  echo "t=$(elapsed)s PostgreSQL accepts connections again"
  wait "$WRK_PID" || true
  WRK_PID=""
  sleep 1
  kill "$POLL_PID" 2>/dev/null || true
  wait "$POLL_PID" 2>/dev/null || true
  POLL_PID=""

  echo "curl, twice a second (when the answers came: status, Retry-After; slowest answer):"
  awk '{ key = $2 " " $3 } key != last {
         if (NR > 1) printf "  %5.1fs-%5.1fs  %s x%d, slowest %.2fs\n", from, prev, last, n, slow;
         from = $1; n = 0; slow = 0; last = key }
       { prev = $1; n++; if ($4 > slow) slow = $4 }
       END { printf "  %5.1fs-%5.1fs  %s x%d, slowest %.2fs\n", from, prev, last, n, slow }' \
    "$WORK/$name-poll.txt"
  fault=$(grep '^RESULT' "$WORK/$name-wrk.txt")
  echo "wrk during the $name phase: ${fault#RESULT }"

  codes=$(awk '{ print $2 }' "$WORK/$name-poll.txt")
  first_200=$(grep -m1 -n '^200$' <<<"$codes" | cut -d: -f1)
  slowest=$(awk '$4 > max { max = $4 } END { printf "%.2f", max }' "$WORK/$name-poll.txt")
  echo "slowest curl answer: ${slowest}s (bound: ${ANSWER_BOUND}s); wrk's slowest: $(field max_ms "$fault") ms"
  if ! grep -q '^503$' <<<"$codes" && [ "$(field 503 "$fault")" = 0 ]; then
    fail "$name: no 503 seen by curl or wrk while PostgreSQL was out"
  fi
  if grep -qvE '^(200|503)$' <<<"$codes"; then fail "$name: curl saw answers other than 200 and 503"; fi
  if awk '$2 == 503 && $3 == "-"' "$WORK/$name-poll.txt" | grep -q .; then
    fail "$name: a 503 without Retry-After (curl)"
  fi
  [ "$(field 503_without_retry_after "$fault")" = 0 ] || fail "$name: a 503 without Retry-After (wrk)"
  [ "$(field other_5xx "$fault")" = 0 ] || fail "$name: 5xx other than 503"
  [ "$(field socket_timeout "$fault")" = 0 ] || fail "$name: wrk requests left unanswered for 30 s"
  awk -v bound="$ANSWER_BOUND" '$4 > bound { exit 1 }' "$WORK/$name-poll.txt" ||
    fail "$name: a curl answer took longer than ${ANSWER_BOUND}s"
  [ "$(tail -n1 <<<"$codes")" = 200 ] || fail "$name: the site did not recover by itself"
  [ -n "$first_200" ] || fail "$name: no 200 at all during the phase"
  if [ -e "$WORK/outage.html" ]; then
    echo "the 503 page: $(grep -o '<h1>[^<]*</h1>' "$WORK/outage.html")"
    if grep -qiE 'traceback|exception|psycopg|client-side|'"$PG_PORT" "$WORK/outage.html"; then
      fail "$name: the 503 page shows technical details"
    fi
  fi
  for page in "${PAGES[@]}"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$page")
    echo "after: GET $page -> $code"
    [ "$code" = 200 ] || fail "$name: $page answered $code afterwards"
  done
}

stop_postgres_now() { stop_postgres fast; }
say "hard stop: PostgreSQL stopped for ${OUTAGE_SECONDS}s while wrk and curl hit $ARTICLE"
fault_phase stop stop_postgres_now start_postgres

say "frozen: PostgreSQL suspended (SIGSTOP) for ${OUTAGE_SECONDS}s while wrk and curl hit $ARTICLE"
echo "client-side bound: DJANGO_DB_CLIENT_TIMEOUT_SECONDS=$CLIENT_TIMEOUT, DJANGO_DB_CONNECT_TIMEOUT=$CLIENT_TIMEOUT"
fault_phase frozen freeze_postgres thaw_postgres

server_errors=$(grep -cE 'Internal Server Error|Traceback' "$WORK/gunicorn.log" || true)
worker_timeouts=$(grep -c 'WORKER TIMEOUT' "$WORK/gunicorn.log" || true)
outage_lines=$(grep -c 'Database unavailable, answering 503' "$WORK/gunicorn.log" || true)
client_bound=$(grep -c 'client-side timeout' "$WORK/gunicorn.log" || true)
echo "gunicorn log: $outage_lines requests answered 503 ($client_bound of them by the client-side" \
  "bound); $server_errors internal server errors or tracebacks; $worker_timeouts worker timeouts"
[ "$server_errors" = 0 ] || { fail "gunicorn logged server errors"; tail -n 30 "$WORK/gunicorn.log"; }
[ "$worker_timeouts" = 0 ] || fail "gunicorn killed a worker that hung"
[ "$client_bound" -gt 0 ] || fail "the client-side bound never answered during the freeze"

say "result"
if [ ${#FAILURES[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${FAILURES[@]}"
  exit 1
fi
echo "OK: no errors under load; 503 with Retry-After while PostgreSQL was stopped and while it" \
  "was frozen, answered within ${ANSWER_BOUND}s; recovered by itself each time"
