#!/usr/bin/python3
"""SimPy reference run of the closed backend model, for timing against capsim.

N users loop: think Exp(mean 1 s); take a worker (16, FIFO, no timeout);
hold it Exp(mean 20 ms); still holding the worker, ask for a pool connection
(20, FIFO) and give up after 1 s (a pool_timeout failure: release the worker,
the request ends); hold the connection Exp(mean 15 ms); release both and
record the response time (from asking for the worker to releasing both).

Written for SimPy 2.3 (Debian's python3-simpy: the SimPy.Simulation API; the
acquire timeout is SimPy 2's reneging compound yield).  Needs only SimPy and
the standard library.  Prints one line:

  simpy closed_backend: requests=... completed=... failed=... sim_s=...
  wall_s=... req_per_s=... mean_resp_ms=...

requests = completed + failed among requests that ended by the end of the run;
req_per_s is requests per second of wall-clock time; mean_resp_ms is the mean
response of completed requests, milliseconds.
"""

import argparse
import random
import time

from SimPy.Simulation import (Process, Resource, Simulation, hold, release,
                              request)

THINK_S = 1.0         # seconds, mean think time
WORKER_HOLD_S = 0.020  # seconds, mean worker-only service
CONN_HOLD_S = 0.015    # seconds, mean service holding the pool connection
POOL_TIMEOUT_S = 1.0   # seconds, pool acquire timeout
WORKERS = 16
POOL_SIZE = 20


class Stats:
    def __init__(self):
        self.completed = 0
        self.failed = 0
        self.resp_sum = 0.0  # seconds, over completed requests


class User(Process):
    def __init__(self, name, sim, rng, workers, pool, stats):
        Process.__init__(self, name=name, sim=sim)
        self.rng = rng
        self.workers = workers
        self.pool = pool
        self.stats = stats

    def run(self):
        rng = self.rng
        sim = self.sim
        workers = self.workers
        pool = self.pool
        stats = self.stats
        while True:
            yield hold, self, rng.expovariate(1.0 / THINK_S)
            t0 = sim.now()
            yield request, self, workers
            yield hold, self, rng.expovariate(1.0 / WORKER_HOLD_S)
            # Granted, or woken by the timeout: acquired() tells which
            # and takes a reneger out of the pool's wait queue.
            yield (request, self, pool), (hold, self, POOL_TIMEOUT_S)
            if not self.acquired(pool):
                stats.failed += 1
                yield release, self, workers
                continue
            yield hold, self, rng.expovariate(1.0 / CONN_HOLD_S)
            yield release, self, pool
            yield release, self, workers
            stats.completed += 1
            stats.resp_sum += sim.now() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--duration", type=float, default=600.0,
                    help="simulated seconds (default 600)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    wall0 = time.perf_counter()
    rng = random.Random(args.seed)
    sim = Simulation()
    workers = Resource(capacity=WORKERS, name="workers", sim=sim)
    pool = Resource(capacity=POOL_SIZE, name="pool", sim=sim)
    stats = Stats()
    for i in range(args.users):
        u = User("user%d" % i, sim, rng, workers, pool, stats)
        sim.activate(u, u.run())
    sim.simulate(until=args.duration)
    wall = time.perf_counter() - wall0

    requests = stats.completed + stats.failed
    mean_ms = (1000.0 * stats.resp_sum / stats.completed
               if stats.completed else float("nan"))
    print("simpy closed_backend: requests=%d completed=%d failed=%d "
          "sim_s=%g wall_s=%.3f req_per_s=%.1f mean_resp_ms=%.3f"
          % (requests, stats.completed, stats.failed, args.duration, wall,
             requests / wall, mean_ms))


if __name__ == "__main__":
    main()
