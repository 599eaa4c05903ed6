"""The scenario's predictions next to the lab's measurements, run by run.

usage: compare.py [CAPSIM] [SCENARIO] [DATA_DIR]
  (defaults: build-lab/cli/capsim, lab/scenario.yaml, lab/data; run from the
  repository's top folder)
For each run of the manifest, runs `capsim run SCENARIO --set load.users=U
--set db.pool.size=P --set app.processes=N --set app.workers=N*T --format
json` and prints measured vs predicted throughput, p50, p95, p99, error
rate, pool in use and DB CPU, as Markdown."""
import csv
import json
import os
import re
import subprocess
import sys

capsim = sys.argv[1] if len(sys.argv) > 1 else "build-lab/cli/capsim"
scen = sys.argv[2] if len(sys.argv) > 2 else "lab/scenario.yaml"
D = sys.argv[3] if len(sys.argv) > 3 else "lab/data"

runs = []
for line in open(os.path.join(D, "manifest.yaml")):
    m = re.match(r"\s*- \{(.*)\}\s*$", line)
    if m:
        runs.append(dict(kv.split(": ", 1) for kv in re.split(r", (?=\w+: )", m.group(1))))


def rel(p, m):
    return "%+.0f%%" % (100.0 * (p - m) / m) if m else "-"


print("| run | users | pool | PxT | req/s meas | req/s pred | err | p50 meas | p50 pred | p95 meas | p95 pred | err | p99 meas | p99 pred | errors meas | errors pred | pool in use meas / pred | DB CPU cores meas / pred |")
print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in runs:
    p = r["prefix"]
    agg = [x for x in csv.DictReader(open(os.path.join(D, p + "_stats.csv"))) if x["Name"] == "Aggregated"][0]
    u = json.load(open(os.path.join(D, p + "_util.json")))
    procs, threads = int(r["processes"]), int(r["threads"])
    out = subprocess.run([capsim, "run", scen, "--format", "json", "-j", "1",
                          "--set", "load.users=%s" % r["users"], "--set", "db.pool.size=%s" % r["pool_size"],
                          "--set", "app.processes=%d" % procs, "--set", "app.workers=%d" % (procs * threads)],
                         check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    o, res = j["overall"], j["resources"]
    n, f = int(agg["Request Count"]), int(agg["Failure Count"])
    m = {"rps": float(agg["Requests/s"]), "p50": float(agg["50%"]), "p95": float(agg["95%"]),
         "p99": float(agg["99%"]), "err": 100.0 * f / n}
    q = {"rps": o["throughput_rps"]["mean"], "p50": o["latency_ms"]["p50"]["mean"],
         "p95": o["latency_ms"]["p95"]["mean"], "p99": o["latency_ms"]["p99"]["mean"],
         "err": 100.0 * (o["error_rate"]["mean"] or 0)}
    print("| %s | %s | %s | %dx%d | %.1f | %.1f | %s | %g | %.3g | %g | %.3g | %s | %g | %.3g | %.2f%% | %.2f%% | %.2f / %.2f | %.2f / %.2f |" % (
        r["id"], r["users"], r["pool_size"], procs, threads, m["rps"], q["rps"], rel(q["rps"], m["rps"]),
        m["p50"], q["p50"], m["p95"], q["p95"], rel(q["p95"], m["p95"]), m["p99"], q["p99"],
        m["err"], q["err"], u["pool"]["in_use_mean"], res["db_pool"]["in_use"]["mean"]["mean"],
        u["cpu"]["db"]["cores_busy"], 2 * res["db"]["cpu_utilization"]["mean"]))
