#!/usr/bin/python3
"""Print --point-set arguments giving each lab2 run its measured background:
the cores busy with everything on the machine that the model does not
simulate (other processes, JMeter, nginx, Redis, the stubs, the sampler),
as app.background (runnable threads of other work on the shared host).
A measured covariate of each run, not an outcome the model predicts.

  lab2/background.py [DATA_DIR]
"""
import glob
import json
import os
import sys

data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "data")
for util in sorted(glob.glob(os.path.join(data, "*_util.json"))):
    u = json.load(open(util))
    c = u["cpu"]
    b = sum(c[k]["cores_busy"] for k in
            ("other", "loadgen", "stubs", "balancer", "redis", "sampler"))
    print("--point-set %s:app.background=%.2f" % (u["run"], b))
