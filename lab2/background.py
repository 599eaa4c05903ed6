#!/usr/bin/python3
"""Print --point-set arguments giving each lab run its measured background:
the cores busy with everything on the machine that the model does not
simulate (other processes, the load generator, a balancer, Redis, the stubs,
the sampler: every entry of the run's "cpu" section but the app, the
database and the machine's total), as app.background (runnable threads of
other work on the shared host).  A measured covariate of each run, not an
outcome the model predicts.  Serves both labs (lab 1's files call the load
generator "locust", lab 2's "loadgen").

  lab2/background.py [DATA_DIR]     # default: lab2/data
"""
import glob
import json
import os
import sys


def other_work(u):
    """A run's *_util.json (parsed) -> the cores busy with other work."""
    return sum(v["cores_busy"] for k, v in u["cpu"].items()
               if isinstance(v, dict) and k not in ("app", "db", "machine"))


if __name__ == "__main__":
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "data")
    for util in sorted(glob.glob(os.path.join(data, "*_util.json"))):
        u = json.load(open(util))
        print("--point-set %s:app.background=%.2f" % (u["run"], other_work(u)))
