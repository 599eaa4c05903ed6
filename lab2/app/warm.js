// Put the hot products (ids 1..HOT) into Redis before a run, with a long TTL,
// as a long-running service would have them.  usage: node warm.js PG_PORT REDIS_PORT HOT
'use strict';
const { Client } = require('pg');
const Redis = require('ioredis');
(async () => {
  const [pgPort, redisPort, hot] = process.argv.slice(2).map(Number);
  const c = new Client({ host: '127.0.0.1', port: pgPort, user: 'lab', database: 'lab' });
  await c.connect();
  const r = await c.query('SELECT id, name, category, price, stock FROM products WHERE id <= $1', [hot]);
  const redis = new Redis({ host: '127.0.0.1', port: redisPort });
  const p = redis.pipeline();
  for (const row of r.rows) p.set('p:' + row.id, JSON.stringify(row), 'EX', 3600);
  await p.exec();
  await c.end();
  redis.disconnect();
  console.log('warmed ' + r.rows.length);
})().catch((e) => { console.error(e); process.exit(1); });
