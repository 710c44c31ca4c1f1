#!/usr/bin/env bash
# Load and database-outage test (`make load`; not part of `make test`).
#
# Serves the site as production does (gunicorn, one sync worker per core, DJANGO_DEBUG=0,
# collected static files, Redis for the cache with the page cache off) on a private PostgreSQL
# database `hsl_load` with the demo content, over plain http on 127.0.0.1 (so the HTTPS
# redirect is off). Then:
#
#   1. load: wrk drives the article page, the list and search for 30 s at 50 connections each
#      and prints requests/s, latency and the count of non-2xx/3xx responses and socket
#      errors. Expected: none of either.
#   2. fault: while wrk runs against the article page and curl polls it twice a second,
#      PostgreSQL is stopped for about 5 s and started again. Expected: 503 with the friendly
#      page (never a 500 or a traceback) while it is down, 200 again by itself once it is back.
#
# Stopping PostgreSQL affects everything else using it on this machine, so the outage is kept
# short, and PostgreSQL is always started again, whatever happens (trap). gunicorn is stopped
# and the database dropped at the end. Needs root (pg_ctlcluster, apt-get for wrk).
#
# Knobs: LOAD_DURATION (30s), LOAD_CONNECTIONS (50), LOAD_OUTAGE_SECONDS (5).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${LOAD_DURATION:-30s}
CONNECTIONS=${LOAD_CONNECTIONS:-50}
OUTAGE_SECONDS=${LOAD_OUTAGE_SECONDS:-5}
DB_NAME=hsl_load
PG_HOST=127.0.0.1
PG_PORT=5432
WORKERS=$(nproc)
ARTICLE=/articles/magnesium-glycinate-nerve-conduction/
PAGES=("$ARTICLE" /articles/ "/search/?q=magnesium")

WORK=$(mktemp -d /tmp/hsl-load.XXXXXX)
GUNICORN_PID=""
WRK_PID=""
POLL_PID=""
PG_STOPPED_BY_US=0
DB_CREATED=0
FAILURES=()

say() { printf '\n== %s\n' "$*"; }
fail() { FAILURES+=("$*"); printf 'FAIL: %s\n' "$*"; }
pg_cluster() { pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main "$1"; }
pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }
psql_admin() { psql -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

wait_for_postgres() {
  for _ in $(seq 1 60); do pg_ready && return 0; sleep 0.5; done
  return 1
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ "$PG_STOPPED_BY_US" = 1 ]; then
    echo "cleanup: starting PostgreSQL again"
    pg_cluster start || true
    wait_for_postgres || echo "cleanup: PostgreSQL is not answering yet!" >&2
  fi
  if [ -n "$WRK_PID" ]; then kill "$WRK_PID" 2>/dev/null || true; fi
  if [ -n "$POLL_PID" ]; then kill "$POLL_PID" 2>/dev/null || true; fi
  if [ -n "$GUNICORN_PID" ]; then
    kill "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  if [ "$DB_CREATED" = 1 ] && pg_ready; then
    psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools and services -------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
fi
if ! pg_ready; then
  say "PostgreSQL is not running: starting it (and leaving it running)"
  pg_cluster start
  wait_for_postgres
fi

# --- the site, as production runs it ------------------------------------------------------
say "database $DB_NAME, demo content, static files"
psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)"
psql_admin -c "CREATE DATABASE $DB_NAME"
DB_CREATED=1

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
function init(args) s2, s3, s4, s503, s5 = 0, 0, 0, 0, 0 end
function response(status, headers, body)
  if status == 503 then s503 = s503 + 1
  elseif status >= 500 then s5 = s5 + 1
  elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1
  else s2 = s2 + 1 end
end
function done(summary, latency, requests)
  local c = {s2 = 0, s3 = 0, s4 = 0, s503 = 0, s5 = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(c) do c[name] = c[name] + thread:get(name) end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f mean_ms=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f " ..
    "2xx=%d 3xx=%d 4xx=%d 503=%d other_5xx=%d non_2xx_3xx=%d " ..
    "socket_connect=%d socket_read=%d socket_write=%d socket_timeout=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency.mean / 1000,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, c.s2, c.s3, c.s4, c.s503, c.s5, e.status,
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

# --- 2. fault: PostgreSQL stops mid-run -----------------------------------------------------
say "fault: PostgreSQL stopped for ${OUTAGE_SECONDS}s while wrk and curl hit $ARTICLE"
elapsed() { awk -v now="$(date +%s.%N)" -v start="$START" 'BEGIN { printf "%.1f", now - start }'; }
poll() {  # one line per answer: seconds since start when it came, status, Retry-After
  while :; do
    local at code retry
    code=$(curl -s -m 5 -D "$WORK/headers.txt" -o "$WORK/last.html" -w '%{http_code}' \
      "$BASE$ARTICLE" || true)
    at=$(elapsed)
    retry=$(awk 'tolower($1) == "retry-after:" { print $2 }' "$WORK/headers.txt" | tr -d '\r')
    if [ "$code" = 503 ] && [ ! -e "$WORK/outage.html" ]; then
      cp "$WORK/last.html" "$WORK/outage.html"
    fi
    echo "$at ${code:-000} ${retry:--}"
    sleep 0.5
  done
}
START=$(date +%s.%N)
wrk -t2 -c"$CONNECTIONS" -d20s --timeout 10s -s "$WORK/count.lua" "$BASE$ARTICLE" >"$WORK/fault-wrk.txt" &
WRK_PID=$!
poll >"$WORK/poll.txt" &
POLL_PID=$!
sleep 4
echo "t=$(elapsed)s stopping PostgreSQL"
PG_STOPPED_BY_US=1
pg_cluster stop
sleep "$OUTAGE_SECONDS"
echo "t=$(elapsed)s starting PostgreSQL"
pg_cluster start
wait_for_postgres
PG_STOPPED_BY_US=0
echo "t=$(elapsed)s PostgreSQL accepts connections"
wait "$WRK_PID" || true
WRK_PID=""
sleep 1
kill "$POLL_PID" 2>/dev/null || true
wait "$POLL_PID" 2>/dev/null || true
POLL_PID=""

echo "curl, twice a second (when the answers came: status, Retry-After):"
awk '{ key = $2 " " $3 } key != last { if (NR > 1) printf "  %5.1fs-%5.1fs  %s x%d\n", from, prev, last, n;
       from = $1; n = 0; last = key } { prev = $1; n++ }
     END { printf "  %5.1fs-%5.1fs  %s x%d\n", from, prev, last, n }' "$WORK/poll.txt"
fault=$(grep '^RESULT' "$WORK/fault-wrk.txt")
echo "wrk during the fault phase: ${fault#RESULT }"

codes=$(awk '{ print $2 }' "$WORK/poll.txt")
first_200=$(grep -m1 -n '^200$' <<<"$codes" | cut -d: -f1)
if ! grep -q '^503$' <<<"$codes"; then fail "no 503 seen while PostgreSQL was down"; fi
if grep -qvE '^(200|503)$' <<<"$codes"; then fail "curl saw answers other than 200 and 503"; fi
[ "$(field other_5xx "$fault")" = 0 ] || fail "5xx other than 503 during the outage"
[ "$(tail -n1 <<<"$codes")" = 200 ] || fail "the site did not recover after PostgreSQL came back"
[ -n "$first_200" ] || fail "no 200 at all during the fault phase"
if [ -e "$WORK/outage.html" ]; then
  echo "the 503 page: $(grep -o '<h1>[^<]*</h1>' "$WORK/outage.html")"
  if grep -qiE 'traceback|exception|psycopg|5432' "$WORK/outage.html"; then
    fail "the 503 page shows technical details"
  fi
fi
for page in "${PAGES[@]}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$page")
  echo "after: GET $page -> $code"
  [ "$code" = 200 ] || fail "$page answered $code after the outage"
done
server_errors=$(grep -cE 'Internal Server Error|Traceback' "$WORK/gunicorn.log" || true)
outage_lines=$(grep -c 'Database unavailable, answering 503' "$WORK/gunicorn.log" || true)
echo "gunicorn log: $outage_lines requests answered 503 for the outage;" \
  "$server_errors internal server errors or tracebacks"
[ "$server_errors" = 0 ] || { fail "gunicorn logged server errors"; tail -n 30 "$WORK/gunicorn.log"; }

say "result"
if [ ${#FAILURES[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${FAILURES[@]}"
  exit 1
fi
echo "OK: no errors under load; 503 while PostgreSQL was down, recovered by itself"
