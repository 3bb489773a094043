// An ordinary Express app. Nothing in it knows about Lambda: it reads PORT and listens. slipway
// (as a Lambda extension, a layer, or `slipway local`) turns each Lambda event into an HTTP
// request to it, and the same file runs unchanged in a container on Fargate or on a laptop.
'use strict';

const crypto = require('node:crypto');
const express = require('express');

const port = Number(process.env.PORT || 8080);
const maxBinary = 10 << 20;

const app = express();
app.disable('x-powered-by');

// Keep every body as raw bytes so the echo can hash exactly what arrived.
const rawBody = express.raw({ type: () => true, limit: '10mb' });
const bodyOf = (req) => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
const digest = (buf) => ({ length: buf.length, sha256: crypto.createHash('sha256').update(buf).digest('hex') });

app.get('/', (req, res) => {
  res.json({ app: 'express', routes: ['/echo', '/binary?size=N', '/upload', '/cookies', '/status/{code}', '/stream'] });
});

// What the app received, for the end-to-end tests and for anyone curious about what a Lambda
// event turns into.
app.all(['/echo', '/echo/*rest'], rawBody, (req, res) => {
  const target = req.originalUrl;
  const q = target.indexOf('?');
  const headers = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    (headers[name] ||= []).push(req.rawHeaders[i + 1]);
  }
  const query = {};
  for (const [k, v] of Object.entries(req.query)) query[k] = [].concat(v);
  res.json({
    app: 'express',
    method: req.method,
    path: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? '' : target.slice(q + 1),
    query,
    headers,
    cookies: parseCookies(headers.cookie || []),
    body: digest(bodyOf(req)),
    requestContext: parseJSONHeader(req.get('x-amzn-request-context')),
    lambdaContext: parseJSONHeader(req.get('x-amzn-lambda-context')),
  });
});

// size bytes where byte i is i % 251: deterministic, not valid UTF-8, so it travels base64.
app.get('/binary', (req, res) => {
  const size = Number(req.query.size ?? 1024);
  if (!Number.isInteger(size) || size < 0 || size > maxBinary) {
    return res.status(400).json({ error: `size must be an integer from 0 to ${maxBinary}` });
  }
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = i % 251;
  res.type('application/octet-stream').send(buf);
});

app.post('/upload', rawBody, (req, res) => {
  res.json({ ...digest(bodyOf(req)), contentType: req.get('content-type') ?? null });
});

app.get('/cookies', (req, res) => {
  res.cookie('session', 'abc123', { path: '/', httpOnly: true });
  res.cookie('theme', 'dark', { path: '/', maxAge: 3600 * 1000 });
  res.json({ set: ['session', 'theme'] });
});

app.all('/status/:code', (req, res) => {
  const code = Number(req.params.code);
  if (!Number.isInteger(code) || code < 200 || code > 599) {
    return res.status(400).json({ error: 'code must be from 200 to 599' });
  }
  if (code === 204 || code === 304) return res.status(code).end();
  res.status(code).json({ status: code });
});

// Chunks written with pauses in between, each stamped with the time it was written, so a client
// can tell whether it got the first one before the last one existed.
app.get('/stream', async (req, res) => {
  const chunks = Math.min(Number(req.query.chunks) || 5, 100);
  const delay = Math.min(Number(req.query.delay) || 200, 5000);
  res.type('text/plain');
  for (let i = 0; i < chunks; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    res.write(`chunk ${i} at ${Date.now()}\n`);
  }
  res.end();
});

app.use((req, res) => {
  res.status(404).json({ error: 'not found', path: req.path });
});

function parseCookies(lines) {
  const cookies = {};
  for (const part of lines.join('; ').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

function parseJSONHeader(value) {
  if (value === undefined) return null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const server = app.listen(port, () => console.log(`express example listening on port ${port}`));

// Lambda (and ECS) send SIGTERM before stopping the process: finish what is in flight.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
