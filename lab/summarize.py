"""Tables of the lab runs from lab/data: the run table and the run-to-run
noise at the repeated points, in Markdown.  usage: summarize.py [DATA_DIR]"""
import csv
import json
import os
import re
import statistics
import sys

D = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
runs = []
for line in open(os.path.join(D, "manifest.yaml")):
    m = re.match(r"\s*- \{(.*)\}\s*$", line)
    if not m:
        continue
    r = dict(kv.split(": ", 1) for kv in re.split(r", (?=\w+: )", m.group(1)))
    runs.append(r)


def num(x):
    return float(x) if x not in ("N/A", "") else float("nan")


rows = []
for r in runs:
    p = r["prefix"]
    agg = [x for x in csv.DictReader(open(os.path.join(D, p + "_stats.csv"))) if x["Name"] == "Aggregated"][0]
    u = json.load(open(os.path.join(D, p + "_util.json")))
    n, f = int(agg["Request Count"]), int(agg["Failure Count"])
    rows.append({
        "id": r["id"], "users": int(r["users"]), "pool": int(r["pool_size"]),
        "pt": "%sx%s" % (r["processes"], r["threads"]),
        "rps": num(agg["Requests/s"]), "p50": num(agg["50%"]), "p95": num(agg["95%"]),
        "p99": num(agg["99%"]), "err": 100.0 * f / n if n else float("nan"), "n": n,
        "causes": u["server"]["errors_by_cause"],
        "app": u["cpu"]["app"]["cores_busy"], "db": u["cpu"]["db"]["cores_busy"],
        "loc": u["cpu"]["locust"]["cores_busy"], "other": u["cpu"]["other"]["cores_busy"],
        "pool_use": u["pool"]["in_use_mean"], "pool_tot": u["pool"]["total_size"],
        "wait": u["pool"]["waiters_mean"], "busy": u["app"]["threads_busy_mean"],
        "hit": u["cache"]["hit_ratio"],
    })

print("| run | users | pool/proc | procs x threads | req/s | p50 ms | p95 ms | p99 ms | errors | causes (server side) | app CPU | DB CPU | Locust CPU | other CPU | pool in use | pool waiters | threads busy | hit ratio |")
print("|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for x in rows:
    causes = ", ".join("%s %d" % kv for kv in sorted(x["causes"].items())) or "-"
    print("| %s | %d | %d | %s | %.1f | %g | %g | %g | %.2f%% | %s | %.2f | %.2f | %.2f | %.2f | %.2f / %d | %.2f | %.2f | %.3f |" % (
        x["id"], x["users"], x["pool"], x["pt"], x["rps"], x["p50"], x["p95"], x["p99"], x["err"], causes,
        x["app"], x["db"], x["loc"], x["other"], x["pool_use"], x["pool_tot"], x["wait"], x["busy"], x["hit"] or 0))
print()
print("CPU columns: cores busy (of 2). Errors: Locust failures / requests.")
print()

groups = {}
for x in rows:
    groups.setdefault((x["users"], x["pool"], x["pt"]), []).append(x)
print("| point | runs | metric | mean | min | max | spread (max-min)/mean | CV (sd/mean) |")
print("|---|---|---|---:|---:|---:|---:|---:|")
for k, g in groups.items():
    if len(g) < 2:
        continue
    for m in ("rps", "p50", "p95", "p99", "err"):
        v = [x[m] for x in g]
        mean = statistics.mean(v)
        sd = statistics.stdev(v)
        print("| %d users, pool %d, %s | %s | %s | %.4g | %.4g | %.4g | %s | %s |" % (
            k[0], k[1], k[2], " ".join(x["id"] for x in g), m if m != "err" else "error %", mean, min(v), max(v),
            "%.1f%%" % (100 * (max(v) - min(v)) / mean) if mean else "-",
            "%.1f%%" % (100 * sd / mean) if mean else "-"))
