#!/usr/bin/python3
"""Estimate app.affinity_alpha (how unevenly keep-alive users pin to
gunicorn's processes) from every lab run with more than one process,
crowded ones included.

Each run's measured statistic is the spread of its processes' busy time,
D = sum_j (b_j / sum b - 1/k)^2 over its k processes (b_j: the mean busy
threads lab/sampler.py measured in process j).  A process whose threads
are all busy cannot show more users than it has threads, so the measured
spread of a crowded run is smaller than its users' spread; an estimate that
matches the users' shares directly must leave such runs out, and leans
even (round 7).  Here capsim itself simulates each run's configuration
(users, pool, processes, threads, measured other work) for a grid of alpha
and reports the same statistic (resources.app.process_busy.spread), so
saturation caps the simulated spread exactly as it caps the measured one.

The estimate is the alpha at which the simulated spreads, summed over the
runs, equal the measured sum (a method of moments); its 90% interval is
where the difference stays within 1.645 standard deviations of the sum of
single runs' spreads (each run is one draw of the processes' shares: the
simulation's between-replication variance).  Per run, the measured spread
against the simulated mean and its 5-95% range shows whether one alpha
serves crowded and uncrowded runs alike.

  lab/affinity.py CAPSIM CALIBRATED.yaml DATA_DIR... > lab/results-rN/affinity.txt
  BUSIEST_MIN=0.9 lab/affinity.py ...   # only runs whose busiest process
      had at least that share of its threads busy: the loads where a
      crowded process is the bottleneck
  PROCS=3,4 lab/affinity.py ...         # only runs with those process counts
"""
import json
import math
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lab2"))
from background import other_work  # noqa: E402  the runs' other work, as the rounds set it

GRID = [0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7, 10, 20]
REPS = 60
T975 = 2.0  # t(0.975, 59) = 2.001


def runs(dirs):
    for d in dirs:
        for f in sorted(os.listdir(d)):
            if not f.endswith("_util.json"):
                continue
            u = json.load(open(os.path.join(d, f)))
            pp = u.get("app", {}).get("per_process") or []
            if u["processes"] < 2 or len(pp) != u["processes"]:
                continue
            b = [p["busy_mean"] for p in pp]
            tot = sum(b)
            if tot <= 0:
                continue
            k = len(b)
            spread = sum((x / tot - 1.0 / k) ** 2 for x in b)
            bg = other_work(u)
            full = max(b) / u["threads"]
            yield dict(run=u["run"], users=u["users"], pool=u["pool_size"],
                       procs=k, threads=u["threads"], bg=round(bg, 2),
                       spread=spread, busiest=full)


def simulate(capsim, scen, r, alpha):
    with tempfile.NamedTemporaryFile(suffix=".json") as t:
        subprocess.run(
            [capsim, "run", scen, "-r", str(REPS), "--seed", "1",
             "--format", "json", "-o", t.name,
             "--set", "load.users=%d" % r["users"],
             "--set", "db.pool.size=%d" % r["pool"],
             "--set", "app.processes=%d" % r["procs"],
             "--set", "app.workers=%d" % (r["procs"] * r["threads"]),
             "--set", "app.background=%.2f" % r["bg"],
             "--set", "app.affinity=user_random",
             "--set", "app.affinity_alpha=%g" % alpha],
            check=True, stdout=subprocess.DEVNULL)
        s = json.load(open(t.name))["resources"]["app"]["process_busy"]["spread"]
    mean = s["mean"]
    sd = (s["ci_high"] - s["ci_low"]) / 2 / T975 * math.sqrt(REPS)
    return mean, sd


def main():
    capsim, scen, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
    bmin = float(os.environ.get("BUSIEST_MIN", "0"))
    procs = os.environ.get("PROCS")
    rs = [r for r in runs(dirs) if r["busiest"] >= bmin and
          (not procs or str(r["procs"]) in procs.split(","))]
    sims = {a: [simulate(capsim, scen, r, a) for r in rs] for a in GRID}
    meas = sum(r["spread"] for r in rs)
    print("# app.affinity_alpha from the processes' busy spread (lab/affinity.py)")
    print("# %d runs with %s processes%s; %s; %d replications each"
          % (len(rs), procs or "2 or more",
             bmin and ", the busiest at least %g busy" % bmin or "",
             scen, REPS))
    print("# measured sum of spreads %.4f (crowded runs, a process >= 90%% busy: %d)"
          % (meas, sum(1 for r in rs if r["busiest"] >= 0.9)))
    print("%8s %10s %10s %8s" % ("alpha", "sim sum", "sd of sum", "z"))
    zs = []
    for a in GRID:
        m = sum(x[0] for x in sims[a])
        sd = math.sqrt(sum(x[1] ** 2 for x in sims[a]))
        z = (meas - m) / sd
        zs.append((a, z))
        print("%8g %10.4f %10.4f %8.2f" % (a, m, sd, z))

    def cross(level):
        # alpha where z (rising with alpha) crosses level, on log alpha
        for (a0, z0), (a1, z1) in zip(zs, zs[1:]):
            if (z0 - level) * (z1 - level) <= 0 and z0 != z1:
                f = (level - z0) / (z1 - z0)
                return math.exp(math.log(a0) + f * (math.log(a1) - math.log(a0)))
        return None
    est, lo, hi = cross(0), cross(-1.645), cross(1.645)

    def fmt(v, edge):
        return "%.2f" % v if v is not None else edge
    print("estimate alpha = %s  90%% interval [%s .. %s]"
          % (fmt(est, "outside the grid"), fmt(lo, "< %g" % GRID[0]),
             fmt(hi, "> %g" % GRID[-1])))
    # per run, at the grid point nearest the estimate
    near = min(GRID, key=lambda a: abs(math.log(a) - math.log(est or 5)))
    print("# per run at alpha %g: measured spread against simulated mean +- sd" % near)
    print("%-5s %5s %4s %6s %5s %8s %8s %7s %6s %8s" % (
        "run", "users", "pool", "procs", "thr", "measured", "sim", "sd", "busiest",
        "own a"))
    for i, r in enumerate(rs):
        m, sd = sims[near][i]
        # the alpha whose simulated mean spread is this run's measured one
        # (one run: one draw of the shares, so a rough look, not an
        # estimate; "<" / ">": beyond the grid's ends)
        own = "-"
        curve = [(a, sims[a][i][0]) for a in GRID]
        if r["spread"] >= curve[0][1]:
            own = "<%g" % GRID[0]
        elif r["spread"] <= curve[-1][1]:
            own = ">%g" % GRID[-1]
        else:
            for (a0, m0), (a1, m1) in zip(curve, curve[1:]):
                if m0 >= r["spread"] >= m1 and m0 > m1:
                    f = (m0 - r["spread"]) / (m0 - m1)
                    own = "%.2g" % math.exp(math.log(a0) + f * (
                        math.log(a1) - math.log(a0)))
                    break
        print("%-5s %5d %4d %6d %5d %8.4f %8.4f %7.4f %6.2f %8s" % (
            r["run"], r["users"], r["pool"], r["procs"], r["threads"],
            r["spread"], m, sd, r["busiest"], own))


main()
