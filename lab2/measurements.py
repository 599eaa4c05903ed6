#!/usr/bin/python3
"""Write a lab2 data folder as one capsim measurements file: per run the
JMeter totals over the measured window (latency percentiles, errors by cause,
exact, from the window's JTL) together with what lab2/sampler.py measured on
the server side (throughput, CPU, pool, cache).

  lab2/measurements.py [--host] [--runs PREFIX] [DATA_DIR] > FILE

--runs c (or h) keeps the runs whose name starts so (the calibration runs,
the held-out ones).  --host writes app_cpu as lab2/scenario-host.yaml
models it (db.host: app on one shared 2-core host): the share of the
machine's cores busy with the Node instances and PostgreSQL together.

Utilizations, as lab2/scenario.yaml models the system: app_cpu is the Node
instances' CPU over the instances' cores (one event loop = one core each),
db_cpu PostgreSQL's CPU over the machine's 2 cores; pool_in_use and
pool_waiters are summed over the instances; event_loop (where every
instance reported it) is the instances' event-loop utilization, averaged.  `capsim import RUN.jtl` reads
the same JTL directly (users, duration, per-endpoint rows, causes).
"""
import csv
import glob
import json
import os
import re
import sys

args = sys.argv[1:]
host = "--host" in args
args = [a for a in args if a != "--host"]
runs = ""
if "--runs" in args:
    k = args.index("--runs")
    runs = args[k + 1]
    del args[k:k + 2]
data = args[0] if args else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "data")
CAUSES = ("pool_timeout", "backlog_full", "client_timeout", "server_timeout", "upstream_timeout",
          "rate_limited", "upstream_error", "db_refused")


def pct(xs, q):
    k = max(0, min(len(xs) - 1, int(round(q * len(xs) + 0.5)) - 1))
    return xs[k]


def cause(code, msg):
    for c in CAUSES:
        if c in msg:
            return c
    if code.isdigit() and 500 <= int(code) <= 599:
        return "server_error"
    if re.search(r"time[d -]?out", msg, re.I):
        return "client_timeout"
    return "other: %s %s" % (code, msg)


out = ["# capsim measurements of the lab2 runs (lab2/measurements.py)",
       'system: "lab2: Node.js/Express instances behind nginx round robin, pg.Pool per instance, '
       'PostgreSQL 15, Redis, AI and messaging stubs, one 2-core machine"',
       'source: "lab2/run.sh; JMeter 2.13 CSV JTL cut to the measured window, server-side samples in *_util.json"',
       "tool: jmeter",
       "points:"]
for util in sorted(glob.glob(os.path.join(data, "*_util.json"))):
    if not os.path.basename(util).startswith(runs):
        continue
    u = json.load(open(util))
    jtl = util[:-len("_util.json")] + ".jtl"
    if not os.path.exists(jtl):
        continue
    lat, errs, eps = [], {}, {}
    with open(jtl, newline="") as fh:
        for r in csv.DictReader(fh):
            e = int(r["elapsed"])
            lat.append(e)
            ep = eps.setdefault(r["label"], [[], 0])
            ep[0].append(e)
            if r["success"] != "true":
                c = cause(r["responseCode"], r["responseMessage"] + " " + r.get("failureMessage", ""))
                errs[c] = errs.get(c, 0) + 1
                ep[1] += 1
    if not lat:
        continue
    lat.sort()
    n, fail = len(lat), sum(errs.values())
    W = u["window"]["seconds"]
    inst = u["instances"]
    app = u["cpu"]["app"]["cores_busy"]
    db = u["cpu"]["db"]["cores_busy"]
    out.append("  - name: %s" % u["run"])
    out.append("    users: %d" % u["users"])
    out.append("    duration: %.1fs" % W)
    out.append("    requests: %d" % n)
    out.append("    failures: %d" % fail)
    out.append("    throughput: %.3f" % (n / W))
    out.append("    latency: {p50: %dms, p90: %dms, p95: %dms, p99: %dms, max: %dms, mean: %.1fms}" % (
        pct(lat, .5), pct(lat, .9), pct(lat, .95), pct(lat, .99), lat[-1], sum(lat) / n))
    out.append("    error_rate: %.5f" % (fail / n))
    if errs:
        out.append("    errors: {%s}" % ", ".join(
            ('"%s": %d' if ":" in k else "%s: %d") % (k, v) for k, v in sorted(errs.items())))
    # the event loops' utilization (Node's eventLoopUtilization, each
    # instance's over the window), mean over the instances, where every
    # instance reported it
    elus = [i.get("event_loop_utilization") for i in u["app"].get("instances", [])]
    elu = (", event_loop: %.4f" % (sum(elus) / len(elus))
           if elus and all(e is not None for e in elus) else "")
    out.append("    utilization: {app_cpu: %.4f, db_cpu: %.4f, pool_in_use: %.3f,"
               " pool_waiters: %.3f, cache_hit_ratio: %.4f%s}" % (
                   min(1.0, (app + db) / u["cores"] if host else app / inst),
                   db / u["cores"], u["pool"]["in_use_mean"],
                   u["pool"]["waiters_mean"], u["cache"]["hit_ratio"] or 0, elu))
    out.append("    endpoints:")
    for name in sorted(eps):
        xs, f = eps[name]
        xs.sort()
        out.append("      - {name: \"%s\", requests: %d, failures: %d, p50: %dms, p95: %dms, p99: %dms}" % (
            name, len(xs), f, pct(xs, .5), pct(xs, .95), pct(xs, .99)))
    out.append('    notes: ["pool %d/instance x %d instances (nginx round robin); server counted %.3f req/s;'
               ' JMeter %.2f, nginx %.2f, other work on the machine %.2f cores"]' % (
                   u["pool_max"], inst, u["server"]["throughput_rps"], u["cpu"]["loadgen"]["cores_busy"],
                   u["cpu"]["balancer"]["cores_busy"], u["cpu"]["other"]["cores_busy"]))
print("\n".join(out))
