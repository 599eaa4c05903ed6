#!/usr/bin/python3
"""Time cache hits beside a load test, with a clock finer than JMeter's.

Waits until the balancer answers, then `--delay` seconds more (to be inside
the measured window), then for `--seconds` sends GET /product/<hot id>
(ids 1..1000: pre-warmed, always in Redis) in turn through nginx and
straight to instance 0, one every 100 ms, each on its own keep-alive
connection, timed with time.perf_counter().  Prints p25/p50/p75 per path
and writes every time (ms) to OUT as JSON.  The client's own handling (a
Python http.client round trip) is in every figure, about 0.1-0.2 ms.

  lab2/side_client.py --delay 28 --seconds 55 --out side.json &
  LAB2_PROBE="40" LAB2_OUT=/tmp/p40 lab2/run.sh
"""
import argparse
import http.client
import json
import random
import socket
import time

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--delay", type=float, default=28)
ap.add_argument("--seconds", type=float, default=55)
ap.add_argument("--balancer", type=int, default=47080)
ap.add_argument("--instance", type=int, default=47101)
ap.add_argument("--out", required=True)
a = ap.parse_args()

while True:
    try:
        socket.create_connection(("127.0.0.1", a.balancer), timeout=1).close()
        break
    except OSError:
        time.sleep(0.2)
time.sleep(a.delay)
ports = {"nginx": a.balancer, "direct": a.instance}
conns = {k: http.client.HTTPConnection("127.0.0.1", p) for k, p in ports.items()}
res = {k: [] for k in ports}
end = time.time() + a.seconds
while time.time() < end:
    for k, c in conns.items():
        t = time.perf_counter()
        c.request("GET", "/product/%d" % random.randint(1, 1000))
        c.getresponse().read()
        res[k].append((time.perf_counter() - t) * 1e3)
        time.sleep(0.1)
with open(a.out, "w") as f:
    json.dump(res, f)
for k, v in res.items():
    v = sorted(v)
    n = len(v)
    print("%-6s %d hits: p25 %.2f p50 %.2f p75 %.2f ms" % (k, n, v[n // 4], v[n // 2], v[3 * n // 4]))
