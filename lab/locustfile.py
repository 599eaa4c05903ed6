"""Locust users for the capsim lab (Locust 2.12, FastHttpUser).

A closed population: each user loops request -> answer -> think, the think
time exponential with mean LAB_THINK_MEAN seconds; the endpoint is drawn by
task weight.  Item ids: with probability LAB_HOT_FRACTION one of the
LAB_HOT_ITEMS pre-warmed ("hot") ids, otherwise a "cold" id among ~200k
(cached for 5 s only, so it misses): the cache hit ratio is LAB_HOT_FRACTION
by construction.

Warm-up: LAB_WARMUP seconds after the test starts, the statistics are reset
(as --reset-stats does after spawning), so the _stats.csv covers only the
measured window; the times of the reset and of the stop are written to
LAB_MARK_DIR for the utilization sampler.

A failed answer is recorded as "<status> Server Error: <body>", the body
naming the cause (pool_timeout, rate_limited, upstream_timeout, ...).
"""
import os
import random
import time

import gevent
from locust import FastHttpUser, events, task

THINK_MEAN = float(os.environ.get("LAB_THINK_MEAN", "1.0"))
WARMUP = float(os.environ.get("LAB_WARMUP", "15"))
MARK_DIR = os.environ.get("LAB_MARK_DIR", "")
HOT_ITEMS = int(os.environ.get("LAB_HOT_ITEMS", "1000"))
HOT_FRACTION = float(os.environ.get("LAB_HOT_FRACTION", "0.8"))
N_ITEMS = 200000

W_ITEM = int(os.environ.get("LAB_W_ITEM", "60"))
W_BOOKING = int(os.environ.get("LAB_W_BOOKING", "15"))
W_STATS = int(os.environ.get("LAB_W_STATS", "10"))
W_WEBHOOK = int(os.environ.get("LAB_W_WEBHOOK", "15"))


def mark(name):
    if MARK_DIR:
        with open(os.path.join(MARK_DIR, name), "w") as fh:
            fh.write("%.6f\n" % time.time())


@events.test_start.add_listener
def _start(environment, **kw):
    def reset():
        gevent.sleep(WARMUP)
        environment.stats.reset_all()
        mark("reset")
    gevent.spawn(reset)


@events.test_stop.add_listener
def _stop(environment, **kw):
    mark("stop")


def check(r):
    if r.status_code >= 400 or r.status_code == 0:
        body = (r.text or "")[:40] if r.status_code else str(r.error)
        r.failure("%d Server Error: %s" % (r.status_code, body))


class LabUser(FastHttpUser):
    network_timeout = 60.0
    connection_timeout = 60.0

    def wait_time(self):
        return random.expovariate(1.0 / THINK_MEAN)

    @task(W_ITEM)
    def item(self):
        if random.random() < HOT_FRACTION:
            i = random.randint(1, HOT_ITEMS)
        else:
            i = random.randint(HOT_ITEMS + 1, N_ITEMS)
        with self.client.get("/item/%d" % i, name="/item/:id", catch_response=True) as r:
            check(r)

    @task(W_BOOKING)
    def booking(self):
        with self.client.post("/booking", catch_response=True) as r:
            check(r)

    @task(W_STATS)
    def stats(self):
        with self.client.get("/stats", catch_response=True) as r:
            check(r)

    @task(W_WEBHOOK)
    def webhook(self):
        with self.client.post("/webhook", json={"from": "lab", "text": "hi"},
                              catch_response=True) as r:
            check(r)
