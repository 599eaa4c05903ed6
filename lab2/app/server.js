// capsim lab 2: one app instance (a Node.js process, one event loop).
// run.sh starts N of them on consecutive ports behind nginx (round robin).
//
// Every instance has its own pg.Pool({max: POOL_MAX, connectionTimeoutMillis:
// POOL_TIMEOUT_MS}) to PostgreSQL, an ioredis client to Redis (cache-aside),
// and calls two stub HTTP services (AI, messaging) with fetch + timeouts.
//
// Endpoints (weights are the JMeter plan's, lab2/plan.jmx):
//   GET  /product/:id  Redis GET; on a miss one primary-key SELECT (pool.query),
//                      then SET with a short TTL
//   GET  /search?q=..  one aggregate query over the 200k products (pool.query)
//   POST /chat         checkout, BEGIN, INSERT, the AI call WHILE HOLDING the
//                      connection (the anti-pattern), UPDATE, COMMIT, release
//   POST /order        checkout, BEGIN, INSERT order, UPDATE stock, COMMIT,
//                      release; then the messaging call (connection released)
//   GET  /__stats      this instance's cumulative counters (the sampler's)
//
// Failures answer 5xx; the cause is the body AND the HTTP reason phrase (so
// JMeter's responseMessage carries it into the JTL):
//   pool timeout -> 503 pool_timeout; upstream 429 -> 502 rate_limited;
//   upstream timeout -> 504 upstream_timeout; upstream 5xx or connection
//   error -> 502 upstream_error; any other DB error -> 500 db_error.
'use strict';
const express = require('express');
const { Pool } = require('pg');
const Redis = require('ioredis');
const { performance } = require('perf_hooks');

const env = (k, d) => (process.env[k] !== undefined ? process.env[k] : d);
const PORT = +env('LAB2_PORT', '47101');
const POOL_MAX = +env('LAB2_POOL_MAX', '4');
const POOL_TIMEOUT_MS = +env('LAB2_POOL_TIMEOUT_MS', '500');
const AI_URL = env('LAB2_AI_URL', 'http://127.0.0.1:47201/ai');
const MSG_URL = env('LAB2_MSG_URL', 'http://127.0.0.1:47202/send');
const AI_TIMEOUT_MS = +env('LAB2_AI_TIMEOUT_MS', '2000');
const MSG_TIMEOUT_MS = +env('LAB2_MSG_TIMEOUT_MS', '1000');
const COLD_TTL_S = +env('LAB2_COLD_TTL_S', '2');
const SAMPLE_MS = 20;

const pool = new Pool({
  host: '127.0.0.1', port: +env('LAB2_PG_PORT', '47432'), user: 'lab', database: 'lab',
  max: POOL_MAX, connectionTimeoutMillis: POOL_TIMEOUT_MS, idleTimeoutMillis: 0,
  application_name: 'capsim-lab2',
});
pool.on('error', () => {}); // an idle client's error: it is dropped and replaced
const redis = new Redis({ host: '127.0.0.1', port: +env('LAB2_REDIS_PORT', '47379'), lazyConnect: false });

// ---- counters: exact time integrals sampled every SAMPLE_MS ----------------
const st = {
  instance: +env('LAB2_INSTANCE', '0'), pid: process.pid, port: PORT, pool_max: POOL_MAX,
  samples: 0, sample_seconds: 0,
  pool_in_use_s: 0, pool_waiting_s: 0, pool_total_s: 0, inflight_s: 0,
  pool_in_use_max: 0, pool_waiting_max: 0, inflight_max: 0,
  inflight: 0, answers: {}, cache_hits: 0, cache_misses: 0,
};
let lastT = performance.now();
setInterval(() => {
  const now = performance.now(), dt = (now - lastT) / 1000;
  lastT = now;
  const inUse = pool.totalCount - pool.idleCount, waiting = pool.waitingCount;
  st.samples++; st.sample_seconds += dt;
  st.pool_in_use_s += inUse * dt; st.pool_waiting_s += waiting * dt;
  st.pool_total_s += pool.totalCount * dt; st.inflight_s += st.inflight * dt;
  if (inUse > st.pool_in_use_max) st.pool_in_use_max = inUse;
  if (waiting > st.pool_waiting_max) st.pool_waiting_max = waiting;
  if (st.inflight > st.inflight_max) st.inflight_max = st.inflight;
}, SAMPLE_MS).unref();

function count(ep, key) {
  const a = st.answers[ep] || (st.answers[ep] = {});
  a[key] = (a[key] || 0) + 1;
}

class Cause extends Error {
  constructor(status, cause, detail) { super(cause); this.status = status; this.cause_ = cause; this.detail = detail; }
}

function dbCause(e) {
  if (e instanceof Cause) return e;
  if (/timeout exceeded when trying to connect/i.test(e.message || '')) return new Cause(503, 'pool_timeout');
  return new Cause(500, 'db_error', e.message);
}

async function callService(url, timeoutMs, body) {
  let r;
  try {
    r = await fetch(url, {
      method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await r.text();
  } catch (e) {
    if (e && (e.name === 'TimeoutError' || e.name === 'AbortError')) throw new Cause(504, 'upstream_timeout');
    throw new Cause(502, 'upstream_error', String(e && e.message));
  }
  if (r.status === 429) throw new Cause(502, 'rate_limited');
  if (r.status >= 400) throw new Cause(502, 'upstream_error', 'HTTP ' + r.status);
}

// wrap a handler: in-flight count, answer counts, failures as "5xx cause"
function ep(name, fn) {
  return async (req, res) => {
    st.inflight++;
    try {
      const body = await fn(req);
      count(name, '200');
      res.json(body);
    } catch (e0) {
      const e = e0 instanceof Cause ? e0 : dbCause(e0);
      count(name, e.status + ' ' + e.cause_);
      res.statusMessage = e.cause_;
      res.status(e.status).type('text/plain').send(e.cause_ + (e.detail ? ': ' + e.detail : '') + '\n');
    } finally {
      st.inflight--;
    }
  };
}

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.use(express.json({ limit: '16kb' }));

app.get('/product/:id', ep('GET /product/:id', async (req) => {
  const id = req.params.id | 0, key = 'p:' + id;
  const hit = await redis.get(key);
  if (hit !== null) { st.cache_hits++; return JSON.parse(hit); }
  st.cache_misses++;
  let r;
  try {
    r = await pool.query('SELECT id, name, category, price, stock FROM products WHERE id = $1', [id]);
  } catch (e) { throw dbCause(e); }
  const row = r.rows[0] || { id, missing: true };
  await redis.set(key, JSON.stringify(row), 'EX', COLD_TTL_S);
  return row;
}));

app.get('/search', ep('GET /search', async (req) => {
  const q = String(req.query.q || 'a').slice(0, 32);
  let r;
  try {
    r = await pool.query(
      `SELECT category, count(*) AS n, round(avg(price), 2) AS avg_price, max(stock) AS max_stock
         FROM products WHERE name LIKE $1 GROUP BY category ORDER BY n DESC LIMIT 10`, ['%' + q + '%']);
  } catch (e) { throw dbCause(e); }
  return { q, categories: r.rows };
}));

app.post('/chat', ep('POST /chat', async (req) => {
  const user = (req.body && req.body.user) | 0;
  const text = String((req.body && req.body.text) || 'hello');
  let c;
  try { c = await pool.connect(); } catch (e) { throw dbCause(e); }
  let ok = false;
  try {
    await c.query('BEGIN');
    const r = await c.query('INSERT INTO messages (user_id, body) VALUES ($1, $2) RETURNING id', [user, text]);
    await callService(AI_URL, AI_TIMEOUT_MS, { user, text }); // connection held across the call
    await c.query('UPDATE messages SET reply = $2 WHERE id = $1', [r.rows[0].id, 'ok']);
    await c.query('COMMIT');
    ok = true;
    return { id: r.rows[0].id, reply: 'ok' };
  } finally {
    if (!ok) { try { await c.query('ROLLBACK'); } catch (e) { /* connection broken */ } }
    c.release();
  }
}));

app.post('/order', ep('POST /order', async (req) => {
  const product = Math.max(1, (req.body && req.body.product) | 0);
  const user = (req.body && req.body.user) | 0;
  let c;
  try { c = await pool.connect(); } catch (e) { throw dbCause(e); }
  let ok = false, id;
  try {
    await c.query('BEGIN');
    const r = await c.query('INSERT INTO orders (product_id, user_id, qty) VALUES ($1, $2, 1) RETURNING id', [product, user]);
    await c.query('UPDATE products SET stock = stock - 1 WHERE id = $1', [product]);
    await c.query('COMMIT');
    ok = true;
    id = r.rows[0].id;
  } catch (e) {
    throw dbCause(e);
  } finally {
    if (!ok) { try { await c.query('ROLLBACK'); } catch (e) { /* connection broken */ } }
    c.release();
  }
  await callService(MSG_URL, MSG_TIMEOUT_MS, { user, text: 'order ' + id }); // after release
  return { id };
}));

app.get('/__stats', (req, res) => {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  res.json(Object.assign({}, st, {
    wall_ms: Date.now(), elu_active_ms: elu.active, elu_idle_ms: elu.idle,
    cpu_user_us: cpu.user, cpu_system_us: cpu.system,
    pool_now: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
  }));
});

const server = app.listen(PORT, '127.0.0.1', () => {
  console.log(`instance ${st.instance} pid ${process.pid} on 127.0.0.1:${PORT}, pool max ${POOL_MAX}, timeout ${POOL_TIMEOUT_MS} ms`);
});
server.keepAliveTimeout = 75000;
server.headersTimeout = 76000;
const stop = () => { server.close(); pool.end().catch(() => {}); redis.disconnect(); setTimeout(() => process.exit(0), 500).unref(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
