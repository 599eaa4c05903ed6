#!/usr/bin/python3
"""SimPy reference run of an M/M/c queue, for timing against capsim.

c = 10 servers, Poisson arrivals at 9/s, Exp service at 1/s per server,
FIFO; 200000 customers, starting empty.  Erlang C gives the mean wait in
queue C(10, 9) / (10 - 9) = 0.6687 s.

Written for SimPy 2.3 (Debian's python3-simpy: the SimPy.Simulation API).
Needs only SimPy and the standard library.  Prints one line:

  simpy mm10: customers=... wall_s=... cust_per_s=... mean_wait_s=...

cust_per_s is customers per second of wall-clock time; mean_wait_s is the
mean wait in queue (before service) over all customers, seconds.
"""

import argparse
import random
import time

from SimPy.Simulation import (Process, Resource, Simulation, hold, release,
                              request)


class Stats:
    def __init__(self):
        self.served = 0
        self.wait_sum = 0.0  # seconds


class Customer(Process):
    def __init__(self, sim, rng, servers, mu, stats):
        Process.__init__(self, name="customer", sim=sim)
        self.rng = rng
        self.servers = servers
        self.mu = mu
        self.stats = stats

    def run(self):
        t0 = self.sim.now()
        yield request, self, self.servers
        self.stats.wait_sum += self.sim.now() - t0
        yield hold, self, self.rng.expovariate(self.mu)
        yield release, self, self.servers
        self.stats.served += 1


class Source(Process):
    def __init__(self, sim, rng, n, lam, mu, servers, stats):
        Process.__init__(self, name="source", sim=sim)
        self.rng = rng
        self.n = n
        self.lam = lam
        self.mu = mu
        self.servers = servers
        self.stats = stats

    def run(self):
        sim = self.sim
        for _ in range(self.n):
            c = Customer(sim, self.rng, self.servers, self.mu, self.stats)
            sim.activate(c, c.run())
            yield hold, self, self.rng.expovariate(self.lam)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=200000)
    ap.add_argument("--servers", type=int, default=10)
    ap.add_argument("--lam", type=float, default=9.0,
                    help="arrivals per second (default 9)")
    ap.add_argument("--mu", type=float, default=1.0,
                    help="services per second per server (default 1)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    wall0 = time.perf_counter()
    rng = random.Random(args.seed)
    sim = Simulation()
    servers = Resource(capacity=args.servers, name="servers", sim=sim)
    stats = Stats()
    src = Source(sim, rng, args.customers, args.lam, args.mu, servers, stats)
    sim.activate(src, src.run())
    # Runs until the last customer leaves: no event is left.
    sim.simulate(until=float("inf"))
    wall = time.perf_counter() - wall0

    mean_wait = (stats.wait_sum / stats.served if stats.served
                 else float("nan"))
    print("simpy mm%d: customers=%d wall_s=%.3f cust_per_s=%.1f "
          "mean_wait_s=%.4f"
          % (args.servers, stats.served, wall, stats.served / wall,
             mean_wait))


if __name__ == "__main__":
    main()
