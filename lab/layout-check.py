#!/usr/bin/python3
"""Post hoc (not a prediction): each counted run of lab 1 simulated with
the users per process it measured (app.affinity_users, replacing
the draw), beside the same model drawing the layout
(affinity: user_random), to split a run's miss into its layout's draw and
the model.

    lab/layout-check.py CAPSIM MODEL.yaml DIR... [-- EXTRA capsim options]

MODEL is a calibrated file (round 9's crowd, say); DIRs are lab data
folders with client_connections_mean per process (rounds 10 on).  Prints,
per run with more than one process: the layout, and measured / drawn /
given for throughput, p50 and the error rate.
"""
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile


def runs(dirs):
    for d in dirs:
        for f in sorted(glob.glob(d + "/*_util.json")):
            u = json.load(open(f))
            per = u.get("app", {}).get("per_process", [])
            if len(per) < 2 or any("client_connections_mean" not in p for p in per):
                continue
            yield d, u, [int(round(p["client_connections_mean"])) for p in per]


def validate(capsim, model, meas, points, sets, extra):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as t:
        out = t.name
    cmd = [capsim, "validate", model, "--data", meas, "--points", ",".join(points),
           "--steady", "--duration", "90s", "--format", "json", "-o", out] + sets + extra
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    d = json.load(open(out))
    os.unlink(out)
    return {p["name"]: p["metrics"] for p in d["points"]}


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        i = args.index("--")
        args, extra = args[:i], args[i + 1:]
    if len(args) < 3:
        sys.exit(__doc__)
    capsim, model, dirs = args[0], args[1], args[2:]
    by_dir = {}
    for d, u, c in runs(dirs):
        by_dir.setdefault(d, []).append((u, c))
    res = []
    for d, items in by_dir.items():
        meas = tempfile.NamedTemporaryFile(suffix=".yaml", delete=False).name
        with open(meas, "w") as f:
            subprocess.run(["/usr/bin/python3", "lab/measurements.py", d], stdout=f, check=True)
        base, drawn, given = [], [], []
        for u, c in items:
            r = u["run"]
            base += ["--point-set", "%s:db.pool.size=%d" % (r, u["pool_size"]),
                     "--point-set", "%s:app.processes=%d" % (r, u["processes"]),
                     "--point-set", "%s:app.workers=%d" % (r, u["processes"] * u["threads"])]
            given += ["--point-set", "%s:app.affinity_users=[%s]" % (r, ",".join(map(str, c)))]
        pts = [u["run"] for u, _ in items]
        a = validate(capsim, model, meas, pts, base, extra)
        b = validate(capsim, model, meas, pts, base + given, extra)
        os.unlink(meas)
        for u, c in items:
            res.append((u, c, a[u["run"]], b[u["run"]]))
    print("%-4s %-22s %-18s %-26s %-26s" % ("run", "config", "users/process",
          "throughput: meas drawn given", "p50 ms: meas drawn given"))
    ed, eg = [], []
    for u, c, a, b in res:
        x = a["throughput"]["measured"]
        ed.append(abs(a["throughput"]["predicted"] / x - 1))
        eg.append(abs(b["throughput"]["predicted"] / x - 1))
        print("%-4s %-22s %-18s %6.1f %6.1f %6.1f        %5.0f %5.0f %5.0f" % (
            u["run"], "%du pool %d %dx%d" % (u["users"], u["pool_size"], u["processes"], u["threads"]),
            "/".join(map(str, c)), x, a["throughput"]["predicted"], b["throughput"]["predicted"],
            a["p50"]["measured"], a["p50"]["predicted"], b["p50"]["predicted"]))
    print("throughput median |error| over %d runs: layout drawn %.1f%%, layout given %.1f%%"
          % (len(ed), 100 * statistics.median(ed), 100 * statistics.median(eg)))


if __name__ == "__main__":
    main()
