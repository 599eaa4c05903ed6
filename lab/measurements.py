#!/usr/bin/python3
"""Write lab/data as one capsim measurements file: per run the Locust
totals (latency percentiles, errors) together with what lab/sampler.py
measured on the server side (throughput, CPU, pool, cache).

  lab/measurements.py [DATA_DIR] > lab/data/measurements.yaml

Utilizations are written the way lab/scenario.yaml models the machine
(db.host: app: PostgreSQL on the app's 2 cores): app_cpu is the share of
the 2 cores busy with the app and the DB together, db_cpu the DB's share.
"""
import csv
import glob
import json
import os
import sys

data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "data")


def aggregated(path):
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row.get("Name") == "Aggregated":
                return row
    return None


def ms(v):
    return "%sms" % v


out = ["# capsim measurements of the lab runs (lab/measurements.py from lab/data)",
       'system: "lab: gunicorn gthread + Flask, PostgreSQL, Redis, AI and WhatsApp stubs, one 2-core machine"',
       'source: "lab/run.sh; Locust _stats.csv totals, server-side samples in *_util.json"',
       "tool: locust",
       "points:"]
for util in sorted(glob.glob(os.path.join(data, "[a-z][0-9]*_util.json"))):
    u = json.load(open(util))
    prefix = u["prefix"]
    agg = aggregated(os.path.join(data, prefix + "_stats.csv"))
    if agg is None:
        continue
    req = int(agg["Request Count"])
    fail = int(agg["Failure Count"])
    cores = u["cores"]
    app = u["cpu"]["app"]["cores_busy"]
    db = u["cpu"]["db"]["cores_busy"]
    other = u["cpu"].get("other", {}).get("cores_busy")
    out.append("  - name: %s" % u["run"])
    out.append("    users: %d" % u["users"])
    out.append("    duration: %.1fs" % u["window"]["seconds"])
    out.append("    requests: %d" % req)
    out.append("    failures: %d" % fail)
    out.append("    throughput: %.3f" % u["server"]["throughput_rps"])
    out.append("    latency: {p50: %s, p90: %s, p95: %s, p99: %s, max: %s}" % (
        ms(agg["50%"]), ms(agg["90%"]), ms(agg["95%"]), ms(agg["99%"]),
        ms(round(float(agg["Max Response Time"]), 1))))
    out.append("    error_rate: %.5f" % (fail / req if req else 0))
    causes = u["server"].get("errors_by_cause") or {}
    if causes:
        out.append("    errors: {%s}" % ", ".join(
            "%s: %d" % (k, v) for k, v in sorted(causes.items())))
    out.append("    utilization: {app_cpu: %.4f, db_cpu: %.4f, pool_in_use: %.3f,"
               " pool_waiters: %.3f, cache_hit_ratio: %.4f}" % (
                   (app + db) / cores, db / cores, u["pool"]["in_use_mean"],
                   u["pool"]["waiters_mean"], u["cache"]["hit_ratio"]))
    note = "pool %d/process, %d processes x %d threads" % (
        u["pool_size"], u["processes"], u["threads"])
    if other is not None:
        note += "; other work on the machine: %.2f cores" % other
    out.append('    notes: ["%s"]' % note)
print("\n".join(out))
