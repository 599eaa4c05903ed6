#!/usr/bin/python3
"""One line per run from its measured-window JTL and _util.json (run.sh
prints it after each run; `summary.py DIR` prints every run in DIR).

  summary.py RUN.jtl RUN_util.json
  summary.py DIR
"""
import csv
import glob
import json
import os
import sys


def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(q * len(xs) + 0.5)) - 1))
    return xs[k]


def line(jtl, util):
    lat, fails, causes = [], 0, {}
    with open(jtl, newline="") as fh:
        for r in csv.DictReader(fh):
            lat.append(int(r["elapsed"]))
            if r["success"] != "true":
                fails += 1
                c = "%s %s" % (r["responseCode"], r["responseMessage"])
                causes[c] = causes.get(c, 0) + 1
    u = json.load(open(util))
    w = u["window"]["seconds"]
    n = len(lat)
    c = u["cpu"]
    return ("%-4s %4du pool %2d x %d inst: %6.1f req/s (server %6.1f)  p50 %4d p95 %5d p99 %5d ms  err %5.2f%%  "
            "app %.2f lb %.2f db %.2f jmeter %.2f other %.2f cores  pool %.2f/%d wait %.2f  hit %s  %s" % (
                u["run"], u["users"], u["pool_max"], u["instances"], n / w, u["server"]["throughput_rps"],
                pct(lat, .5), pct(lat, .95), pct(lat, .99), 100.0 * fails / max(n, 1),
                c["app"]["cores_busy"], c["balancer"]["cores_busy"], c["db"]["cores_busy"],
                c["loadgen"]["cores_busy"], c["other"]["cores_busy"],
                u["pool"]["in_use_mean"], u["pool"]["total_size"], u["pool"]["waiters_mean"],
                (u.get("cache") or {}).get("hit_ratio"), dict(sorted(causes.items()))))


if len(sys.argv) == 2:
    for util in sorted(glob.glob(os.path.join(sys.argv[1], "*_util.json"))):
        print(line(util[:-len("_util.json")] + ".jtl", util))
else:
    print(line(sys.argv[1], sys.argv[2]))
