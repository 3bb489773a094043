// An ordinary Fastify app: it reads PORT and listens, nothing more. slipway turns each Lambda
// event into an HTTP request to it, so no serverless wrapper (aws-lambda-fastify,
// serverFactory tricks) is needed, and the same file runs in a container unchanged.
'use strict';

const crypto = require('node:crypto');
const { Readable } = require('node:stream');
const fastify = require('fastify');

const port = Number(process.env.PORT || 8080);
const maxBinary = 10 << 20;

const app = fastify({ logger: { level: 'warn' }, bodyLimit: 10 << 20 });

// Every body stays raw bytes, whatever its type, so the echo can hash exactly what arrived.
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => done(null, body));
const bodyOf = (req) => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
const digest = (buf) => ({ length: buf.length, sha256: crypto.createHash('sha256').update(buf).digest('hex') });

app.get('/', async () => ({
  app: 'fastify',
  routes: ['/echo', '/binary?size=N', '/upload', '/cookies', '/status/{code}', '/stream'],
}));

// What the app received, for the end-to-end tests and for anyone curious about what a Lambda
// event turns into.
const echo = async (req) => {
  const target = req.raw.url;
  const q = target.indexOf('?');
  const headers = {};
  for (let i = 0; i < req.raw.rawHeaders.length; i += 2) {
    const name = req.raw.rawHeaders[i].toLowerCase();
    (headers[name] ||= []).push(req.raw.rawHeaders[i + 1]);
  }
  const query = {};
  for (const [k, v] of Object.entries(req.query)) query[k] = [].concat(v);
  return {
    app: 'fastify',
    method: req.method,
    path: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? '' : target.slice(q + 1),
    query,
    headers,
    cookies: parseCookies(headers.cookie || []),
    body: digest(bodyOf(req)),
    requestContext: parseJSONHeader(req.headers['x-amzn-request-context']),
    lambdaContext: parseJSONHeader(req.headers['x-amzn-lambda-context']),
  };
};
app.all('/echo', echo);
app.all('/echo/*', echo);

// size bytes where byte i is i % 251: deterministic, not valid UTF-8, so it travels base64.
app.get('/binary', async (req, reply) => {
  const size = Number(req.query.size ?? 1024);
  if (!Number.isInteger(size) || size < 0 || size > maxBinary) {
    return reply.code(400).send({ error: `size must be an integer from 0 to ${maxBinary}` });
  }
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = i % 251;
  return reply.type('application/octet-stream').send(buf);
});

app.post('/upload', async (req) => ({ ...digest(bodyOf(req)), contentType: req.headers['content-type'] ?? null }));

app.get('/cookies', async (req, reply) => {
  reply.header('set-cookie', ['session=abc123; Path=/; HttpOnly', 'theme=dark; Path=/; Max-Age=3600']);
  return { set: ['session', 'theme'] };
});

app.all('/status/:code', async (req, reply) => {
  const code = Number(req.params.code);
  if (!Number.isInteger(code) || code < 200 || code > 599) {
    return reply.code(400).send({ error: 'code must be from 200 to 599' });
  }
  if (code === 204 || code === 304) return reply.code(code).send();
  return reply.code(code).send({ status: code });
});

// Chunks written with pauses in between, each stamped with the time it was written, so a client
// can tell whether it got the first one before the last one existed. A Readable stream is how
// Fastify sends a body piece by piece.
app.get('/stream', async (req, reply) => {
  const chunks = Math.min(Number(req.query.chunks) || 5, 100);
  const delay = Math.min(Number(req.query.delay) || 200, 5000);
  const body = Readable.from(
    (async function* () {
      for (let i = 0; i < chunks; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        yield `chunk ${i} at ${Date.now()}\n`;
      }
    })(),
  );
  return reply.type('text/plain').send(body);
});

app.setNotFoundHandler(async (req, reply) => {
  const q = req.raw.url.indexOf('?');
  return reply.code(404).send({ error: 'not found', path: q < 0 ? req.raw.url : req.raw.url.slice(0, q) });
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

// Fastify listens on localhost unless told otherwise; in a container the port must be reachable
// from outside, as on Fargate.
app.listen({ port, host: '0.0.0.0' }).then(
  () => console.log(`fastify example listening on port ${port}`),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

// Lambda (and ECS) send SIGTERM before stopping the process: finish what is in flight.
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
