#!/usr/bin/python3
"""Per-endpoint demands at the lowest load: one client, requests back to back
through the balancer, base configuration.  For each kind of request, N
requests; CPU seconds of the app instances, nginx, PostgreSQL and Redis from
/proc before and after (the same idle time's CPU, measured first, subtracted),
divided by N; and the latencies the client saw.  Writes one JSON file.

Kinds: product_hit (hot ids, cached), product_miss (cold ids never asked
before: one primary-key SELECT + SET), search, chat (holds a connection across
the AI call), order (transaction, then the messaging call).
"""
import argparse
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

p = argparse.ArgumentParser()
p.add_argument("--url", required=True)
p.add_argument("--app-pids", required=True)
p.add_argument("--balancer-pid", type=int, required=True)
p.add_argument("--pg-pid", type=int, required=True)
p.add_argument("--redis-pid", type=int, required=True)
p.add_argument("--hot-items", type=int, default=1000)
p.add_argument("--n", type=int, default=300)
p.add_argument("--out", required=True)
p.add_argument("--meta", default="{}")
a = p.parse_args()
TCK = os.sysconf("SC_CLK_TCK")
app_pids = [int(x) for x in a.app_pids.split(",")]


def proc_cpu(pid, tree=False):
    tot = 0.0
    pids = [pid]
    if tree:
        kids = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    s = open("/proc/%s/stat" % d).read()
                except OSError:
                    continue
                kids.setdefault(int(s[s.rindex(")") + 2:].split()[1]), []).append(int(d))
        stack = [pid]
        while stack:
            for c in kids.get(stack.pop(), []):
                pids.append(c)
                stack.append(c)
    for x in pids:
        try:
            s = open("/proc/%d/stat" % x).read()
        except OSError:
            continue
        f = s[s.rindex(")") + 2:].split()
        tot += (int(f[11]) + int(f[12])) / TCK
        if x == pid:
            tot += (int(f[13]) + int(f[14])) / TCK
    return tot


def snap():
    return {"t": time.monotonic(), "app": sum(proc_cpu(x) for x in app_pids),
            "balancer": proc_cpu(a.balancer_pid, True), "db": proc_cpu(a.pg_pid, True),
            "redis": proc_cpu(a.redis_pid)}


rng = random.Random(7)
cold = iter(rng.sample(range(a.hot_items + 1, 200001), 20000))


def req(kind):
    if kind == "product_hit":
        r = urllib.request.Request(a.url + "/product/%d" % rng.randint(1, a.hot_items))
    elif kind == "product_miss":
        r = urllib.request.Request(a.url + "/product/%d" % next(cold))
    elif kind == "search":
        r = urllib.request.Request(a.url + "/search?q=" + "".join(rng.choice("0123456789abcdef") for _ in range(2)))
    elif kind == "chat":
        r = urllib.request.Request(a.url + "/chat", data=b'{"user": 1, "text": "where is my order?"}',
                                   headers={"Content-Type": "application/json"})
    else:
        r = urllib.request.Request(a.url + "/order", data=json.dumps({"user": 1, "product": rng.randint(1, 200000)}).encode(),
                                   headers={"Content-Type": "application/json"})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(r, timeout=10) as fh:
            fh.read()
            code = fh.status
    except urllib.error.HTTPError as e:
        code = e.code
    return (time.perf_counter() - t) * 1000, code


# idle CPU rate first
s0 = snap()
time.sleep(5)
s1 = snap()
idle = {k: (s1[k] - s0[k]) / (s1["t"] - s0["t"]) for k in ("app", "balancer", "db", "redis")}
kinds = {}
for kind in ("product_hit", "product_miss", "search", "chat", "order"):
    for _ in range(20):
        req(kind)  # warm this path
    b = snap()
    lat, codes = [], {}
    for _ in range(a.n):
        ms, code = req(kind)
        lat.append(ms)
        codes[code] = codes.get(code, 0) + 1
    e = snap()
    dt = e["t"] - b["t"]
    lat.sort()
    kinds[kind] = {
        "n": a.n, "codes": codes,
        "latency_ms": {"mean": round(sum(lat) / len(lat), 3), "p50": round(lat[len(lat) // 2], 3),
                       "p95": round(lat[int(len(lat) * 0.95)], 3)},
    }
    for k in ("app", "balancer", "db", "redis"):
        kinds[kind][k + "_cpu_ms"] = round(1000 * max(0.0, (e[k] - b[k]) - idle[k] * dt) / a.n, 4)
    print("   %-12s app %.3f lb %.3f db %.3f redis %.3f ms CPU  p50 %.2f ms  codes %s" % (
        kind, kinds[kind]["app_cpu_ms"], kinds[kind]["balancer_cpu_ms"], kinds[kind]["db_cpu_ms"],
        kinds[kind]["redis_cpu_ms"], kinds[kind]["latency_ms"]["p50"], codes))
out = json.loads(a.meta)
out.update({"idle_cores": idle, "kinds": kinds,
            "note": "CPU per request (ms) = (CPU seconds during N back-to-back requests - idle rate x time) / N; /proc tick is 10 ms"})
json.dump(out, open(a.out, "w"), indent=1)
