#!/usr/bin/python3
"""The pinning's concentration (app.affinity_alpha) from counted users.

lab/sampler.py counts each gunicorn process's established client
connections (`client_connections_mean` in *_util.json): with Locust's one
keep-alive connection per user, these are the users each process holds.
capsim's `affinity: user_random` draws the processes' shares from a
symmetric Dirichlet(alpha) and each user's process from them, so a run's
counts are one Dirichlet-multinomial draw.  This script takes the alpha of
greatest likelihood over every run given (the runs independent), with a
90% profile-likelihood interval (the log-likelihood within 1.353 of its
top: chi-square, one degree of freedom), and the same per process count
for comparison.  A run whose counts are not whole numbers (a user moved
during the run) is reported and left out.

    lab/pinning.py DIR [DIR...]        # folders of *_util.json
"""
import glob
import json
import math
import sys

GRID = [0.05 * 1.02 ** i for i in range(0, 600)]  # 0.05 .. ~7000
DROP = 2.706 / 2


def dm_loglik(counts, a):
    """log P(counts | symmetric Dirichlet-multinomial, alpha a), without
    the multinomial coefficient (it does not depend on a)."""
    k, n = len(counts), sum(counts)
    s = math.lgamma(k * a) - math.lgamma(n + k * a)
    for c in counts:
        s += math.lgamma(c + a) - math.lgamma(a)
    return s


def mn_loglik(counts):
    """the same as alpha -> infinity (users spread uniformly at random)"""
    k = len(counts)
    return -sum(counts) * math.log(k)


def estimate(runs):
    ll = [sum(dm_loglik(c, a) for _, c in runs) for a in GRID]
    top = max(range(len(GRID)), key=lambda i: ll[i])
    inside = [GRID[i] for i in range(len(GRID)) if ll[i] >= ll[top] - DROP]
    lim = sum(mn_loglik(c) for _, c in runs)
    lo = "< %.2g" % GRID[0] if inside[0] == GRID[0] else "%.2f" % inside[0]
    hi = ("> %.0f" % GRID[-1] if inside[-1] == GRID[-1] or lim >= ll[top] - DROP
          else "%.2f" % inside[-1])
    best = "%.2f" % GRID[top] if lim < ll[top] else "> %.0f" % GRID[-1]
    return best, lo, hi, GRID[top]


def spread(c):
    n, k = sum(c), len(c)
    return sum((x / n - 1 / k) ** 2 for x in c) if n else 0.0


def main(dirs):
    runs = []
    for d in dirs:
        for f in sorted(glob.glob(d + "/*_util.json")):
            u = json.load(open(f))
            procs = u.get("app", {}).get("per_process", [])
            if len(procs) < 2 or any("client_connections_mean" not in p
                                     for p in procs):
                continue
            raw = [p["client_connections_mean"] for p in procs]
            if any(abs(x - round(x)) > 1e-9 for x in raw):
                print("# %s: counts %s not whole (a user moved); left out"
                      % (u["run"], raw))
                continue
            c = [int(round(x)) for x in raw]
            runs.append((u["run"], c))
            print("%-5s users %3d on %d processes: %-20s spread %.4f  "
                  "(uniform would average %.4f)"
                  % (u["run"], u["users"], len(c), "/".join(map(str, c)),
                     spread(c), (1 - 1 / len(c)) / sum(c)))
    if not runs:
        sys.exit("pinning.py: no run with counted users in " + " ".join(dirs))
    best, lo, hi, a = estimate(runs)
    print("all %d runs: affinity_alpha %s [%s .. %s] (90%%, profile likelihood)"
          % (len(runs), best, lo, hi))
    for k in sorted({len(c) for _, c in runs}):
        sub = [r for r in runs if len(r[1]) == k]
        b, l, h, _ = estimate(sub)
        print("  %d processes (%d runs): %s [%s .. %s]" % (k, len(sub), b, l, h))
    print("alpha=%.2f" % a)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
