#!/usr/bin/env bash
# capsim lab: start a real system (gunicorn+Flask, PostgreSQL, Redis, stub AI
# and WhatsApp APIs) on loopback, load it with Locust at a list of user counts
# and configurations, record Locust's CSV files, a utilization JSON per run
# and a manifest in lab/data/, and stop everything, even on failure.
#
# usage: lab/run.sh            # the whole lab (~27 minutes), overwrites lab/data
#        LAB_ONLY="r01 r05" lab/run.sh        # only these run ids ("profile": the profile)
#        LAB_ONLY="s01 s02" LAB_OUT=lab/data-r2 lab/run.sh   # round 2's runs (u01-u08: round 3's)
#        LAB_WARMUP=5 LAB_MEASURE=15 LAB_OUT=/tmp/x lab/run.sh   # a quick try
# Needs (Debian 12): postgresql redis-server gunicorn python3-flask
#   python3-sqlalchemy python3-psycopg2 python3-redis python3-locust
# Run as root (PostgreSQL runs as the "postgres" user the package creates).
set -Eeuo pipefail

LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${LAB_OUT:-$LAB/data}
PY=/usr/bin/python3
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

# ---- fixed by construction (lab/scenario.yaml copies these) -----------------
APP_PORT=58000 AI_PORT=58101 WA_PORT=58102 REDIS_PORT=56379 PG_PORT=55432
WARMUP=${LAB_WARMUP:-15}          # s of load before Locust's stats reset
MEASURE=${LAB_MEASURE:-75}        # s measured after the reset
THINK_MEAN=${LAB_THINK_MEAN:-0.5} # s, exponential think time
POOL_TIMEOUT=1                    # s, SQLAlchemy pool_timeout
PG_MAX_CONN=100
HOT_ITEMS=1000 HOT_FRACTION=0.8   # cache hit ratio 80% by construction
AI_ARGS="--median 0.15 --p95 0.45 --concurrency 8 --rate 30 --burst 10 --rl-latency 0.005 --error-rate 0.01"
WA_ARGS="--median 0.04 --p95 0.10 --concurrency 16 --rate 20 --burst 5 --rl-latency 0.005 --error-rate 0.005"
AI_TIMEOUT=3 WA_TIMEOUT=2         # s, the app's client timeouts

# ---- the runs: id users pool_size processes threads --------------------------
# base config: 2 processes x 8 threads, pool 4 per process (8 connections)
RUNS=(
  "r01 5   4 2 8"
  "r02 10  4 2 8"
  "r03 20  4 2 8"
  "r04 40  4 2 8"
  "r05 60  4 2 8"
  "r06 80  4 2 8"
  "r07 120 4 2 8"
  "r08 160 4 2 8"
  "r09 80  2 2 8"
  "r10 80  8 2 8"
  "r11 80  4 2 4"
  "r12 80  4 4 4"
  "r13 20  4 2 8"
  "r14 80  4 2 8"
  "r15 20  4 2 8"
  "r16 80  4 2 8"
)
# rounds 2 and 3 (lab/README.md "Round 2"): run only when named in LAB_ONLY, into
# their own folder (LAB_OUT=lab/data-r2): s01-s04 the calibration runs,
# s05-s12 configurations predicted before they were run
ROUND2=(
  "s01 5   4 2 8"
  "s02 10  4 2 8"
  "s03 20  4 2 8"
  "s04 40  4 2 8"
  "s05 100 4 2 8"
  "s06 200 4 2 8"
  "s07 120 6 2 8"
  "s08 80  3 2 8"
  "s09 120 4 4 4"
  "s10 60  1 2 8"
  "s11 160 8 4 8"
  "s12 40  2 1 4"
  # round 3 (lab/README.md "Round 3"): the held-out runs, into LAB_OUT=lab/data-r3
  "u01 100 4 2 8"
  "u02 300 4 2 8"
  "u03 140 5 2 8"
  "u04 120 2 4 4"
  "u05 30  4 1 8"
  "u06 160 3 3 6"
  "u07 200 6 4 8"
  "u08 60  8 2 4"
  # round 4 (lab/README.md "Round 4"): the held-out runs, into LAB_OUT=lab/data-r4
  "v01 5   4 2 8"
  "v02 10  2 4 4"
  "v03 15  8 1 8"
  "v04 250 8 2 8"
  "v05 180 3 4 6"
  "v06 90  4 3 4"
  "v07 140 10 2 8"
  "v08 50  1 4 4"
  # repeats of v04, v05, v07 and v08 (lab/README.md "Round 4"), into lab/data-r4
  "w01 250 8 2 8"
  "w02 180 3 4 6"
  "w03 140 10 2 8"
  "w04 50  1 4 4"
  # round 5 (lab/README.md "Round 5"): the held-out runs, into LAB_OUT=lab/data-r5;
  # x11 and x12 repeat x05 and x06 a quarter of an hour later
  "x01 8   4 2 8"
  "x02 30  2 3 4"
  "x03 60  6 2 8"
  "x04 110 4 2 8"
  "x05 200 5 2 8"
  "x06 300 8 2 8"
  "x07 130 2 4 4"
  "x08 160 6 3 8"
  "x09 40  2 4 4"
  "x10 220 10 2 8"
  "x11 200 5 2 8"
  "x12 300 8 2 8"
  # round 6 (lab/README.md "Round 6"): the held-out runs, into LAB_OUT=lab/data-r6;
  # most with three or four processes and small pools, where pinning matters
  "y01 20  2 4 4"
  "y02 60  1 4 4"
  "y03 100 2 4 4"
  "y04 80  3 3 4"
  "y05 150 4 4 4"
  "y06 40  2 2 4"
  "y07 120 3 2 8"
  "y08 70  1 3 4"
  "y09 50  2 4 2"
  "y10 200 6 2 8"
  # round 7 (lab/README.md "Round 7"): the held-out runs, into LAB_OUT=lab/data-r7;
  # pools of one and two, where a connection's hold time is the bottleneck
  "t01 50  1 3 4"
  "t02 90  1 3 4"
  "t03 40  1 2 8"
  "t04 80  1 4 4"
  "t05 120 2 3 4"
  "t06 30  1 1 8"
  "t07 160 3 2 8"
  "t08 60  2 2 4"
  # round 8 (lab/README.md "Round 8"): the held-out runs, into LAB_OUT=lab/data-r8;
  # pools of one and two on three and four processes, where users crowding
  # one process make it the bottleneck, and a few beside
  "q01 40  1 3 4"
  "q02 70  2 4 4"
  "q03 100 1 4 4"
  "q04 60  2 3 4"
  "q05 30  1 2 4"
  "q06 130 3 4 4"
  "q07 80  2 2 8"
  "q08 50  1 4 2"
  "q09 150 4 3 8"
  "q10 25  2 4 4"
  # round 9 (lab/README.md "Round 9"): the held-out runs, into LAB_OUT=lab/data-r9;
  # pools of one and two on two processes (as many as cores) and on three
  # and four (more than cores)
  "p01 60  1 2 8"
  "p02 50  1 2 4"
  "p03 90  2 2 8"
  "p04 40  2 2 4"
  "p05 70  1 3 4"
  "p06 60  1 4 4"
  "p07 110 2 4 4"
  "p08 45  2 3 4"
  "p09 140 3 2 8"
  "p10 30  1 4 4"
  # round 10 (lab/README.md "Round 10"), into LAB_OUT=lab/data-r10: the
  # first part (o01-o06), whose counted users per process give the
  # pinning's concentration, then the second (o07-o16); pools of one per
  # process on three and four processes repeated (o01/o07/o08, o02/o09/o10)
  "o01 60  1 4 4"
  "o02 50  1 3 4"
  "o03 80  2 4 4"
  "o04 60  1 2 8"
  "o05 40  1 4 4"
  "o06 70  2 3 4"
  "o07 60  1 4 4"
  "o08 60  1 4 4"
  "o09 50  1 3 4"
  "o10 50  1 3 4"
  "o11 90  1 4 4"
  "o12 35  2 4 4"
  "o13 100 2 3 4"
  "o14 70  1 2 8"
  "o15 120 3 4 4"
  "o16 45  1 3 4"
  # round 11 (lab/README.md "Round 11"), into LAB_OUT=lab/data-r11: the
  # pool's hand-off, where eight threads share one or two connections
  "n01 50  1 2 8"
  "n02 80  1 2 8"
  "n03 30  1 1 8"
  "n04 60  2 2 8"
  "n05 40  1 2 4"
  "n06 60  1 4 4"
  "n07 100 2 2 8"
  "n08 90  4 2 8"
  # round 12 (lab/README.md "Round 12"), into LAB_OUT=lab/data-r12: the
  # model as it stands (the hand-off, the counted concentration)
  "m01 70  1 3 4"
  "m02 50  1 4 4"
  "m03 120 2 4 4"
  "m04 40  1 1 8"
  "m05 90  2 3 4"
  "m06 60  1 2 8"
  "m07 150 3 2 8"
  "m08 35  1 4 2"
)

die() { echo "run.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (PostgreSQL is started as user postgres)"
for c in "$PGBIN/initdb" "$PGBIN/pg_ctl" /usr/bin/redis-server /usr/bin/gunicorn /usr/bin/locust /usr/bin/psql; do
  [ -x "$c" ] || die "missing $c: apt-get install postgresql redis-server gunicorn python3-flask python3-sqlalchemy python3-psycopg2 python3-redis python3-locust"
done
for port in $APP_PORT $AI_PORT $WA_PORT $REDIS_PORT $PG_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is in use"; fi
done

# The machine may be shared: run the lab (and everything it starts) at a higher
# priority, so other work perturbs the measurements less; each run's JSON
# records the CPU used by other processes (cpu.other).
renice -n -10 -p $$ >/dev/null || true

TMP=$(mktemp -d /tmp/capsim-lab.XXXXXX)
chmod 755 "$TMP"
REDIS_PID= GUNI_PID= AI_PID= WA_PID= LOCUST_PID= SAMPLER_PID= PG_STARTED=

stop_pid() {  # stop_pid PID: TERM, wait up to 10 s, then KILL
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_run_procs() {
  stop_pid "$LOCUST_PID"; LOCUST_PID=
  stop_pid "$SAMPLER_PID"; SAMPLER_PID=
  stop_pid "$GUNI_PID"; GUNI_PID=
  stop_pid "$AI_PID"; AI_PID=
  stop_pid "$WA_PID"; WA_PID=
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_run_procs
  stop_pid "$REDIS_PID"
  if [ -n "$PG_STARTED" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TMP/pg" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
  [ $rc = 0 ] || echo "run.sh: failed (status $rc); everything stopped" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_http() {  # wait_http URL: up to 20 s
  local i
  for i in $(seq 1 200); do
    if $PY -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  die "no answer from $1"
}
psql_lab() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT -U lab -d lab "$@"; }

# ---- PostgreSQL: a throwaway cluster ----------------------------------------
echo "== PostgreSQL ($PGBIN) in $TMP/pg"
install -d -o postgres -g postgres "$TMP/pg" "$TMP/pgsock"
runuser -u postgres -- "$PGBIN/initdb" -D "$TMP/pg" -U postgres --auth=trust -E UTF8 --no-sync >"$TMP/initdb.log" 2>&1
cat >>"$TMP/pg/postgresql.conf" <<PGCONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$TMP/pgsock'
max_connections = $PG_MAX_CONN
shared_buffers = 256MB
synchronous_commit = off
max_parallel_workers_per_gather = 0
jit = off
log_min_messages = warning
PGCONF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TMP/pg" -l "$TMP/pgsock/pg.log" -w -t 60 start >/dev/null
PG_STARTED=1
PG_PID=$(head -1 "$TMP/pg/postmaster.pid")
psql -X -q -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres \
  -c "CREATE ROLE lab LOGIN SUPERUSER" -c "CREATE DATABASE lab OWNER lab"
psql_lab -f "$LAB/app/schema.sql"

# ---- Redis -------------------------------------------------------------------
echo "== Redis on 127.0.0.1:$REDIS_PORT"
redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$TMP" --daemonize no --loglevel warning >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!
for i in $(seq 1 100); do redis-cli -p $REDIS_PORT ping >/dev/null 2>&1 && break; sleep 0.1; done

# ---- data folder, environment --------------------------------------------------
mkdir -p "$OUT"
if [ -z "${LAB_ONLY:-}" ]; then
  rm -f "$OUT"/r[0-9]*_*.csv "$OUT"/r[0-9]*_util.json "$OUT/manifest.yaml" "$OUT/profile.json"
fi
{
  echo "date: $(date -u +%FT%TZ)"
  echo "kernel: $(uname -sr)"
  echo "os: $(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "memory: $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "python: $($PY -V 2>&1)"
  echo "postgresql: $("$PGBIN/postgres" -V)"
  echo "redis: $(redis-server --version | cut -d' ' -f3)"
  echo "debian packages:"
  dpkg-query -W -f '  ${Package}: ${Version}\n' postgresql-15 redis-server gunicorn python3-flask \
    python3-sqlalchemy python3-psycopg2 python3-redis python3-locust python3-requests \
    python3-geventhttpclient python3-gevent python3-werkzeug 2>/dev/null
} >"$OUT/environment.txt"
MANIFEST="$OUT/manifest.yaml"
if [ ! -f "$MANIFEST" ]; then
  cat >"$MANIFEST" <<MAN
# capsim lab runs (written by lab/run.sh; see lab/data/README.md)
# Every run: Locust ${WARMUP}s warm-up (stats reset at its end) + ${MEASURE}s measured,
# exponential think time mean ${THINK_MEAN}s, pool_timeout ${POOL_TIMEOUT}s,
# cache hit ratio ${HOT_FRACTION} by construction, PostgreSQL max_connections ${PG_MAX_CONN}.
runs:
MAN
fi

# ---- start the app for one run: DB reset, stubs, gunicorn, warm cache ------------
start_app() {  # start_app ID POOL PROCS THREADS STATE_DIR
  local id=$1 pool=$2 procs=$3 threads=$4 state=$5
  psql_lab -f "$LAB/app/reset.sql" >/dev/null

  $PY "$LAB/app/stub.py" --port $AI_PORT --name ai $AI_ARGS >"$TMP/ai.log" 2>&1 &
  AI_PID=$!
  $PY "$LAB/app/stub.py" --port $WA_PORT --name whatsapp $WA_ARGS >"$TMP/wa.log" 2>&1 &
  WA_PID=$!

  LAB_PG_DSN="postgresql+psycopg2://lab@127.0.0.1:$PG_PORT/lab" LAB_POOL_SIZE=$pool \
  LAB_POOL_TIMEOUT=$POOL_TIMEOUT LAB_REDIS_PORT=$REDIS_PORT \
  LAB_AI_URL="http://127.0.0.1:$AI_PORT/ai" LAB_WA_URL="http://127.0.0.1:$WA_PORT/send" \
  LAB_AI_TIMEOUT=$AI_TIMEOUT LAB_WA_TIMEOUT=$WA_TIMEOUT LAB_HOT_ITEMS=$HOT_ITEMS \
  LAB_STATE_DIR="$state" \
    gunicorn -k gthread -w "$procs" --threads "$threads" -b 127.0.0.1:$APP_PORT \
      --keep-alive 75 --backlog 2048 --chdir "$LAB/app" --log-level warning app:app \
      >"$TMP/gunicorn-$id.log" 2>&1 &
  GUNI_PID=$!
  wait_http "http://127.0.0.1:$APP_PORT/debug"
  wait_http "http://127.0.0.1:$AI_PORT/"
  wait_http "http://127.0.0.1:$WA_PORT/"

  # cache: empty, then the hot items in (as a long-running service would have them)
  redis-cli -p $REDIS_PORT flushall >/dev/null
  $PY - "$PG_PORT" "$REDIS_PORT" "$HOT_ITEMS" <<'PYW'
import json, sys, psycopg2, redis
pg, rp, hot = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
c = psycopg2.connect(host="127.0.0.1", port=pg, user="lab", dbname="lab").cursor()
c.execute("SELECT id, name, price, stock FROM items WHERE id <= %s", (hot,))
r = redis.Redis(host="127.0.0.1", port=rp).pipeline()
for i, n, p, s in c.fetchall():
    r.set("item:%d" % i, json.dumps({"id": i, "name": n, "price": float(p), "stock": s}), ex=600)
r.execute()
PYW
  redis-cli -p $REDIS_PORT config resetstat >/dev/null

}

# ---- per-endpoint demands at the lowest load (one client, back to back) ---------
profile() {
  local state="$TMP/state-profile"
  echo "== profile: per-endpoint CPU demands, one client, base config (pool 4, 2x8)"
  rm -rf "$state"; mkdir -p "$state"
  start_app profile 4 2 8 "$state"
  $PY "$LAB/profile.py" --url "http://127.0.0.1:$APP_PORT" --app-pid "$GUNI_PID" --pg-pid "$PG_PID" \
    --hot-items $HOT_ITEMS --out "$OUT/profile.json" \
    --meta '{"config": {"pool_size": 4, "processes": 2, "threads": 8}}' >/dev/null
  stop_run_procs
  $PY -c 'import json,sys; k=json.load(open(sys.argv[1]))["kinds"]; [print("   %-9s app %.2f ms  db %.2f ms  p50 %.1f ms" % (n, v["app_cpu_ms"], v["db_cpu_ms"], v["latency_ms"]["p50"])) for n, v in k.items()]' "$OUT/profile.json"
}

# ---- one run -------------------------------------------------------------------
run_one() {
  local id=$1 users=$2 pool=$3 procs=$4 threads=$5
  local prefix="${id}_${users}u_pool${pool}_${procs}x${threads}"
  local rate=$(( users / 4 > 1 ? users / 4 : 1 ))
  local marks="$TMP/marks-$id" state="$TMP/state-$id"
  echo "== $id: $users users, pool $pool/process, $procs processes x $threads threads ($prefix)"
  rm -rf "$marks" "$state"; mkdir -p "$marks" "$state"
  rm -f "$OUT/$prefix"_*.csv "$OUT/${prefix}_util.json"

  start_app "$id" "$pool" "$procs" "$threads" "$state"

  LAB_THINK_MEAN=$THINK_MEAN LAB_WARMUP=$WARMUP LAB_MARK_DIR="$marks" \
  LAB_HOT_ITEMS=$HOT_ITEMS LAB_HOT_FRACTION=$HOT_FRACTION \
    locust -f "$LAB/locustfile.py" --headless -u "$users" -r "$rate" \
      -t "$((WARMUP + MEASURE))s" --csv "$OUT/$prefix" --host "http://127.0.0.1:$APP_PORT" \
      --loglevel WARNING --only-summary >"$TMP/locust-$id.log" 2>&1 &
  LOCUST_PID=$!
  $PY "$LAB/sampler.py" --marks "$marks" --state "$state" --out "$OUT/${prefix}_util.json" \
    --app-pid "$GUNI_PID" --pg-pid "$PG_PID" --redis-pid "$REDIS_PID" \
    --stub-pids "$AI_PID,$WA_PID" --locust-pid "$LOCUST_PID" --redis-port $REDIS_PORT --app-port $APP_PORT \
    --pg-dsn "host=127.0.0.1 port=$PG_PORT user=lab dbname=lab" \
    --stub-urls "ai=http://127.0.0.1:$AI_PORT/,whatsapp=http://127.0.0.1:$WA_PORT/" \
    --limit $((WARMUP + MEASURE + 60)) \
    --meta "{\"run\": \"$id\", \"prefix\": \"$prefix\", \"users\": $users, \"pool_size\": $pool, \"processes\": $procs, \"threads\": $threads}" \
    >"$TMP/sampler-$id.log" 2>&1 &
  SAMPLER_PID=$!
  # Locust exits 1 when any request failed: that is data, not an error
  wait "$LOCUST_PID" || true
  LOCUST_PID=
  if ! wait "$SAMPLER_PID"; then SAMPLER_PID=; cat "$TMP/sampler-$id.log" >&2; die "sampler failed in $id"; fi
  SAMPLER_PID=
  [ -s "$OUT/${prefix}_stats.csv" ] || { cat "$TMP/locust-$id.log" >&2; die "no Locust stats in $id"; }
  stop_run_procs
  rm -f "$OUT/${prefix}_exceptions.csv"
  cat >>"$MANIFEST" <<MAN
  - {id: $id, users: $users, spawn_rate: $rate, pool_size: $pool, processes: $procs, threads: $threads, workers: $((procs * threads)), think_mean_s: $THINK_MEAN, warmup_s: $WARMUP, duration_s: $MEASURE, prefix: $prefix, util: ${prefix}_util.json, started: "$(date -u -d @"$(cut -d. -f1 "$marks/reset")" +%FT%TZ)"}
MAN
  $PY - "$OUT/${prefix}_stats.csv" "$OUT/${prefix}_util.json" <<'PYS'
import csv, json, sys
row = [r for r in csv.DictReader(open(sys.argv[1])) if r["Name"] == "Aggregated"][0]
u = json.load(open(sys.argv[2]))
n, f = int(row["Request Count"]), int(row["Failure Count"])
print("   %.1f req/s  p50 %s  p95 %s  p99 %s ms  errors %.2f%%  app %.2f db %.2f locust %.2f cores  pool %.2f/%d  hit %.3f  %s" % (
    float(row["Requests/s"]), row["50%"], row["95%"], row["99%"], 100.0 * f / max(n, 1),
    u["cpu"]["app"]["cores_busy"], u["cpu"]["db"]["cores_busy"], u["cpu"]["locust"]["cores_busy"],
    u["pool"]["in_use_mean"], u["pool"]["total_size"], u["cache"]["hit_ratio"] or 0,
    u["server"]["errors_by_cause"]) + "  other %.2f cores" % u["cpu"]["other"]["cores_busy"])
PYS
}

START=$(date +%s)
if [ -z "${LAB_ONLY:-}" ] || [[ " $LAB_ONLY " == *" profile "* ]]; then profile; fi
for spec in "${RUNS[@]}"; do
  set -- $spec
  if [ -n "${LAB_ONLY:-}" ] && [[ " $LAB_ONLY " != *" $1 "* ]]; then continue; fi
  run_one "$@"
done
for spec in "${ROUND2[@]}"; do
  set -- $spec
  [[ " ${LAB_ONLY:-} " == *" $1 "* ]] || continue
  run_one "$@"
done
echo "== done in $(( $(date +%s) - START )) s; data in $OUT"
