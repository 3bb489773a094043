// Node (Express) test app of the adapter's end-to-end tests.
'use strict';
const crypto = require('crypto');
const express = require('express');

const app = express();
const raw = express.raw({ type: () => true, limit: '10mb' });

app.get('/health', (req, res) => res.send('ok'));

app.all('/echo', raw, (req, res) => {
  const headers = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i].toLowerCase();
    (headers[k] = headers[k] || []).push(req.rawHeaders[i + 1]);
  }
  const q = req.originalUrl.indexOf('?');
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  res.json({
    method: req.method,
    path: q < 0 ? req.originalUrl : req.originalUrl.slice(0, q),
    query: q < 0 ? '' : req.originalUrl.slice(q + 1),
    headers,
    body: body.toString('base64'),
  });
});

app.post('/upload', raw, (req, res) => {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  res.json({ size: body.length, sha256: crypto.createHash('sha256').update(body).digest('hex') });
});

app.get('/binary', (req, res) => {
  const n = parseInt(req.query.n || '0', 10);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  res.type('application/octet-stream').send(b);
});

app.get('/cookies', (req, res) => {
  res.append('Set-Cookie', 'a=1; Path=/');
  res.append('Set-Cookie', 'b=2; Path=/; HttpOnly');
  res.type('text/plain').send(req.get('cookie') || '');
});

app.get('/stream', (req, res) => {
  res.type('text/plain');
  let i = 0;
  const next = () => {
    res.write(`chunk-${i}\n`);
    if (++i === 3) return res.end();
    setTimeout(next, 100);
  };
  next();
});

app.get('/fail', (req, res) => res.status(500).type('text/plain').send('boom'));

app.post('/events', express.json({ type: () => true }), (req, res) => res.json({ received: req.body }));

app.get('/crash', (req, res) => {
  res.set('Content-Length', '1000');
  res.write('partial');
  setTimeout(() => process.exit(3), 50);
});

app.get('/hang', () => {});

const server = app.listen(parseInt(process.env.PORT, 10), '127.0.0.1', () => {
  console.error(`nodeapp listening on ${server.address().port}`);
});
if (process.env.KEEPALIVE_MS) server.keepAliveTimeout = parseInt(process.env.KEEPALIVE_MS, 10);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
