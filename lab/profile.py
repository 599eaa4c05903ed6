"""Per-endpoint service demands of the lab system, at the lowest load there
is: one client, one request at a time (the utilization law, per endpoint:
demand = CPU seconds used / requests served).

For each kind of request (item hit, item miss, stats, booking, webhook) it
sends a few warm-up requests, then N requests back to back, and reads the
CPU time of the app (gunicorn master + workers) and of PostgreSQL (postmaster
+ backends) from /proc before and after.  The CPU the idle system uses over
the same time (measured first, for 5 s) is subtracted.  Writes one JSON file.

usage: profile.py --url http://127.0.0.1:58000 --app-pid P --pg-pid Q --out F
"""
import argparse
import http.client
import json
import os
import random
import statistics
import time
import urllib.parse

p = argparse.ArgumentParser()
p.add_argument("--url", required=True)
p.add_argument("--app-pid", type=int, required=True)
p.add_argument("--pg-pid", type=int, required=True)
p.add_argument("--out", required=True)
p.add_argument("--hot-items", type=int, default=1000)
p.add_argument("--meta", default="{}")
a = p.parse_args()
TCK = os.sysconf("SC_CLK_TCK")


def proc_table():
    t = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as fh:
                s = fh.read()
        except OSError:
            continue
        f = s[s.rindex(")") + 2:].split()
        t[int(d)] = (int(f[1]), (int(f[11]) + int(f[12])) / TCK, (int(f[13]) + int(f[14])) / TCK)
    return t


def group_cpu(t, root):
    kids = {}
    for pid, (pp, _, _) in t.items():
        kids.setdefault(pp, []).append(pid)
    total, stack, n = t[root][1] + t[root][2], [root], 0
    while stack and n < 10000:
        n += 1
        for c in kids.get(stack.pop(), []):
            total += t[c][1]
            stack.append(c)
    return total


def cpu():
    t = proc_table()
    return time.monotonic(), group_cpu(t, a.app_pid), group_cpu(t, a.pg_pid)


u = urllib.parse.urlparse(a.url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)


def send(method, path):
    t0 = time.perf_counter()
    body = b'{"from": "profile"}' if method == "POST" else None
    conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    return r.status, time.perf_counter() - t0


kinds = [
    ("item_hit", "GET", lambda: "/item/%d" % random.randint(1, a.hot_items), 600),
    ("item_miss", "GET", lambda: "/item/%d" % random.randint(a.hot_items + 1, 200000), 600),
    ("booking", "POST", lambda: "/booking", 400),
    ("stats", "GET", lambda: "/stats", 120),
    ("webhook", "POST", lambda: "/webhook", 150),
]

t0, a0, d0 = cpu()
time.sleep(5)
t1, a1, d1 = cpu()
idle = {"app_cores": (a1 - a0) / (t1 - t0), "db_cores": (d1 - d0) / (t1 - t0)}
out = json.loads(a.meta)
out.update({"method": "one client, requests back to back; CPU from /proc, idle CPU subtracted",
            "idle": {k: round(v, 5) for k, v in idle.items()}, "kinds": {}})
for name, method, path, n in kinds:
    for _ in range(10):
        send(method, path())
    lat, fails = [], 0
    t0, a0, d0 = cpu()
    for _ in range(n):
        st, dt = send(method, path())
        lat.append(dt)
        fails += st >= 400
    t1, a1, d1 = cpu()
    wall = t1 - t0
    app = max(0.0, (a1 - a0) - idle["app_cores"] * wall)
    db = max(0.0, (d1 - d0) - idle["db_cores"] * wall)
    lat.sort()
    out["kinds"][name] = {
        "requests": n, "failures": fails, "seconds": round(wall, 3),
        "app_cpu_ms": round(1000 * app / n, 3), "db_cpu_ms": round(1000 * db / n, 3),
        "latency_ms": {"mean": round(1000 * statistics.mean(lat), 3),
                       "p50": round(1000 * lat[len(lat) // 2], 3),
                       "p95": round(1000 * lat[int(len(lat) * 0.95)], 3)},
    }
tmp = a.out + ".tmp"
with open(tmp, "w") as fh:
    json.dump(out, fh, indent=1)
os.replace(tmp, a.out)
print(json.dumps(out["kinds"]))
