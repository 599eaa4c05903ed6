"""A stub external API ("AI" or "WhatsApp") on loopback.

Each POST is one attempt, handled as capsim's service model handles it:
  1. wait for one of CONCURRENCY slots (a semaphore; waiters queue),
  2. pass a token bucket (RATE per second, BURST tokens) or answer 429 after
     RL_LATENCY,
  3. sleep a lognormal latency given by its median and p95,
  4. with probability ERROR_RATE answer 500, else 200 with a small JSON body.
The slot is held from 1 to 4.  A client that gives up does not free the slot
early (the provider keeps working), unlike capsim's client-side slot.

usage: stub.py --port P --median 0.15 --p95 0.5 [--concurrency 8]
               [--rate 40 --burst 10 --rl-latency 0.005] [--error-rate 0.01]
"""
import argparse
import json
import math
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--name", default="stub")
p.add_argument("--median", type=float, required=True, help="seconds")
p.add_argument("--p95", type=float, required=True, help="seconds")
p.add_argument("--concurrency", type=int, default=0, help="0: no limit")
p.add_argument("--rate", type=float, default=0, help="tokens/s, 0: no limit")
p.add_argument("--burst", type=float, default=0)
p.add_argument("--rl-latency", type=float, default=0.005)
p.add_argument("--error-rate", type=float, default=0.0)
p.add_argument("--seed", type=int, default=None)
a = p.parse_args()

MU = math.log(a.median)
SIGMA = math.log(a.p95 / a.median) / 1.6448536269514722
rng = random.Random(a.seed)
rng_lock = threading.Lock()
slots = threading.BoundedSemaphore(a.concurrency) if a.concurrency > 0 else None
bucket_lock = threading.Lock()
bucket = {"tokens": a.burst if a.burst > 0 else max(a.rate, 1), "t": time.monotonic()}
stats_lock = threading.Lock()
stats = {"attempts": 0, "ok": 0, "rate_limited": 0, "errors": 0, "inflight": 0, "max_inflight": 0}


def take_token():
    if a.rate <= 0:
        return True
    cap = a.burst if a.burst > 0 else max(a.rate, 1)
    with bucket_lock:
        now = time.monotonic()
        bucket["tokens"] = min(cap, bucket["tokens"] + (now - bucket["t"]) * a.rate)
        bucket["t"] = now
        if bucket["tokens"] < 1:
            return False
        bucket["tokens"] -= 1
        return True


def bump(k, d=1):
    with stats_lock:
        stats[k] += d
        if k == "inflight" and stats[k] > stats["max_inflight"]:
            stats["max_inflight"] = stats[k]


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except OSError:
            pass

    def do_GET(self):
        with stats_lock:
            self.reply(200, json.dumps(dict(stats, name=a.name)))

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        if slots:
            slots.acquire()
        bump("inflight")
        bump("attempts")
        try:
            if not take_token():
                bump("rate_limited")
                time.sleep(a.rl_latency)
                code, body = 429, '{"error": "rate_limited"}'
            else:
                with rng_lock:
                    lat = rng.lognormvariate(MU, SIGMA)
                    err = rng.random() < a.error_rate
                time.sleep(lat)
                if err:
                    bump("errors")
                    code, body = 500, '{"error": "upstream_error"}'
                else:
                    bump("ok")
                    code, body = 200, '{"text": "ok, thanks for your message"}'
        finally:
            bump("inflight", -1)
            if slots:
                slots.release()
        self.reply(code, body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


Server(("127.0.0.1", a.port), H).serve_forever()
