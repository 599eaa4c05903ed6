"""capsim lab: a small real web service with the parts capsim models.

Served by gunicorn gthread workers (-w P --threads T).  Every gunicorn process
has its own SQLAlchemy QueuePool(pool_size=N, max_overflow=0, pool_timeout=S)
to a real PostgreSQL, a redis-py client to a real Redis, and calls two stub
HTTP services ("AI", "WhatsApp").

Endpoints (what capsim's scenario models, lab/scenario.yaml):
  GET  /item/<id>  cache lookup; on a miss one primary-key query, then a set
  GET  /stats      one connection, two aggregate queries over ~100k bookings
  POST /webhook    a transaction held across the AI call (the anti-pattern),
                   then, after commit, a WhatsApp send
  POST /booking    a transaction: insert + update
  GET  /debug      this process's counters and every process's snapshot

Failures answer 5xx with a body naming the cause:
  pool timeout -> 503 pool_timeout, upstream 429 -> 502 rate_limited,
  upstream timeout -> 504 upstream_timeout, upstream 5xx -> 502 upstream_error.

Configuration comes from the environment (run.sh sets it):
  LAB_PG_DSN, LAB_POOL_SIZE, LAB_POOL_TIMEOUT, LAB_REDIS_PORT, LAB_AI_URL,
  LAB_WA_URL, LAB_AI_TIMEOUT, LAB_WA_TIMEOUT, LAB_CACHE_TTL, LAB_STATE_DIR
"""
import json
import os
import random
import threading
import time

import redis
import requests
import sqlalchemy
from flask import Flask, Response
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

POOL_SIZE = int(os.environ.get("LAB_POOL_SIZE", "4"))
POOL_TIMEOUT = float(os.environ.get("LAB_POOL_TIMEOUT", "1"))
AI_URL = os.environ.get("LAB_AI_URL", "http://127.0.0.1:58101/ai")
WA_URL = os.environ.get("LAB_WA_URL", "http://127.0.0.1:58102/send")
AI_TIMEOUT = float(os.environ.get("LAB_AI_TIMEOUT", "3"))
WA_TIMEOUT = float(os.environ.get("LAB_WA_TIMEOUT", "2"))
CACHE_TTL = int(os.environ.get("LAB_CACHE_TTL", "600"))
COLD_TTL = int(os.environ.get("LAB_COLD_TTL", "5"))
HOT_ITEMS = int(os.environ.get("LAB_HOT_ITEMS", "1000"))
STATE_DIR = os.environ.get("LAB_STATE_DIR", "")

engine = sqlalchemy.create_engine(
    os.environ.get("LAB_PG_DSN", "postgresql+psycopg2://lab@127.0.0.1:55432/lab"),
    poolclass=sqlalchemy.pool.QueuePool,
    pool_size=POOL_SIZE,
    max_overflow=0,
    pool_timeout=POOL_TIMEOUT,
    connect_args={"application_name": "capsim-lab"},
)
cache = redis.Redis(host="127.0.0.1", port=int(os.environ.get("LAB_REDIS_PORT", "56379")),
                    socket_timeout=5)
# one HTTP session (keep-alive) per thread and service
_tls = threading.local()


def http():
    s = getattr(_tls, "s", None)
    if s is None:
        s = _tls.s = requests.Session()
    return s


class Level:
    """A level (threads busy, connections checked out, waiters) and its time
    integral, so that time averages over any window come out exactly."""

    def __init__(self):
        self.v = 0
        self.max = 0
        self.area = 0.0
        self.t = time.monotonic()

    def add(self, d):
        with _lock:
            now = time.monotonic()
            self.area += self.v * (now - self.t)
            self.t = now
            self.v += d
            if self.v > self.max:
                self.max = self.v

    def snap(self, now):
        return {"now": self.v, "max": self.max,
                "area": self.area + self.v * (now - self.t)}


_lock = threading.Lock()
busy = Level()      # requests being served (threads busy)
in_use = Level()    # pool connections checked out
waiters = Level()   # threads waiting for a pool connection
counts = {}         # "endpoint status cause" -> n
ai_calls = {"n": 0}


def count(key):
    with _lock:
        counts[key] = counts.get(key, 0) + 1


class Fail(Exception):
    def __init__(self, status, cause):
        super().__init__(cause)
        self.status, self.cause = status, cause


class checkout:
    """engine.connect() with the pool wait and hold measured."""

    def __init__(self, begin=False):
        self.begin = begin

    def __enter__(self):
        waiters.add(1)
        try:
            self.conn = engine.connect()
        except PoolTimeout:
            raise Fail(503, "pool_timeout")
        finally:
            waiters.add(-1)
        in_use.add(1)
        self.tx = self.conn.begin() if self.begin else None
        return self.conn

    def __exit__(self, et, ev, tb):
        try:
            if self.tx is not None:
                if et is None:
                    self.tx.commit()
                else:
                    self.tx.rollback()
            self.conn.close()
        finally:
            in_use.add(-1)
        return False


def call(url, timeout, payload):
    try:
        r = http().post(url, json=payload, timeout=timeout)
    except requests.Timeout:
        raise Fail(504, "upstream_timeout")
    except requests.ConnectionError:
        raise Fail(502, "upstream_error")
    if r.status_code == 429:
        raise Fail(502, "rate_limited")
    if r.status_code >= 400:
        raise Fail(502, "upstream_error")
    return r.json()


app = Flask(__name__)


def endpoint(name):
    def wrap(fn):
        def run(*a, **kw):
            busy.add(1)
            try:
                body = fn(*a, **kw)
                count(name + " 200")
                return Response(json.dumps(body), 200, mimetype="application/json")
            except Fail as f:
                count("%s %d %s" % (name, f.status, f.cause))
                return Response(f.cause, f.status, mimetype="text/plain")
            finally:
                busy.add(-1)
        run.__name__ = fn.__name__
        return run
    return wrap


@app.get("/item/<int:item_id>")
@endpoint("GET /item")
def item(item_id):
    key = "item:%d" % item_id
    v = cache.get(key)
    if v is not None:
        return json.loads(v)
    with checkout() as c:
        row = c.execute(text("SELECT id, name, price, stock FROM items WHERE id = :i"),
                        {"i": item_id}).first()
    doc = {"id": row[0], "name": row[1], "price": float(row[2]), "stock": row[3]} if row else {"id": item_id}
    cache.set(key, json.dumps(doc), ex=CACHE_TTL if item_id <= HOT_ITEMS else COLD_TTL)
    return doc


@app.get("/stats")
@endpoint("GET /stats")
def stats():
    with checkout() as c:
        by_status = c.execute(text(
            "SELECT status, count(*), sum(amount), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) "
            "FROM bookings GROUP BY status ORDER BY status")).all()
        top = c.execute(text(
            "SELECT user_id % 1000 AS bucket, count(DISTINCT item_id), sum(amount) FROM bookings "
            "WHERE amount > :m GROUP BY bucket ORDER BY 3 DESC LIMIT 5"),
            {"m": round(random.uniform(15, 25), 2)}).all()
    return {"by_status": [[s, n, float(a), float(m)] for s, n, a, m in by_status],
            "top": [[b, n, float(a)] for b, n, a in top]}


@app.post("/webhook")
@endpoint("POST /webhook")
def webhook():
    user = random.randrange(1, 100000)
    # the anti-pattern: one transaction (one pool connection) held across the AI call
    with checkout(begin=True) as c:
        mid = c.execute(text("INSERT INTO messages (user_id, body) VALUES (:u, 'hello') RETURNING id"),
                        {"u": user}).scalar()
        ai = call(AI_URL, AI_TIMEOUT, {"prompt": "reply to message %d" % mid})
        c.execute(text("UPDATE messages SET reply = :r WHERE id = :i"),
                  {"r": ai.get("text", ""), "i": mid})
    call(WA_URL, WA_TIMEOUT, {"to": user, "text": ai.get("text", "")})
    return {"id": mid}


@app.post("/booking")
@endpoint("POST /booking")
def booking():
    item_id = random.randrange(1, 200001)
    with checkout(begin=True) as c:
        bid = c.execute(text(
            "INSERT INTO bookings (item_id, user_id, amount, status) "
            "VALUES (:i, :u, :a, 'new') RETURNING id"),
            {"i": item_id, "u": random.randrange(1, 100000), "a": round(random.uniform(5, 100), 2)}).scalar()
        c.execute(text("UPDATE items SET stock = stock - 1 WHERE id = :i"), {"i": item_id})
    return {"id": bid}


def snapshot():
    now = time.monotonic()
    with _lock:
        return {"pid": os.getpid(), "t": now, "wall": time.time(),
                "pool_size": POOL_SIZE, "pool_checkedout": engine.pool.checkedout(),
                "busy": busy.snap(now), "in_use": in_use.snap(now), "waiters": waiters.snap(now),
                "counts": dict(counts)}


@app.get("/debug")
def debug():
    others = []
    if STATE_DIR:
        for f in sorted(os.listdir(STATE_DIR)):
            if f.startswith("worker-"):
                try:
                    with open(os.path.join(STATE_DIR, f)) as fh:
                        others.append(json.load(fh))
                except (OSError, ValueError):
                    pass
    return Response(json.dumps({"this": snapshot(), "published": others}),
                    200, mimetype="application/json")


def _publish():
    """Every 0.5 s, write this process's snapshot for the sampler."""
    path = os.path.join(STATE_DIR, "worker-%d.json" % os.getpid())
    for _ in range(100000):  # bounded: ~14 hours
        try:
            tmp = path + ".tmp"
            with open(tmp, "w") as fh:
                json.dump(snapshot(), fh)
            os.replace(tmp, path)
        except OSError:
            pass
        time.sleep(0.5)


if STATE_DIR:
    threading.Thread(target=_publish, daemon=True).start()
