// Server-sent events from a plain Node http server (no dependencies). Behind a Lambda Function
// URL in RESPONSE_STREAM mode, with AWS_LWA_INVOKE_MODE=response_stream, every event reaches the
// browser when it is written instead of when the response ends.
'use strict';

const http = require('node:http');

const port = Number(process.env.PORT || 8080);

const page = `<!doctype html>
<meta charset="utf-8">
<title>slipway streaming example</title>
<h1>Server-sent events from Lambda</h1>
<p>Each line appears when the function writes it. In BUFFERED mode they all appear at the end.</p>
<ol id="ticks"></ol>
<script>
  const list = document.getElementById('ticks');
  const source = new EventSource('sse?count=10&interval=500');
  source.addEventListener('tick', (e) => {
    const tick = JSON.parse(e.data);
    const item = document.createElement('li');
    item.textContent = 'tick ' + tick.n + ' of ' + tick.count + ', written at ' + new Date(tick.at).toISOString() +
      ', received ' + (Date.now() - tick.at) + ' ms later';
    list.append(item);
  });
  source.addEventListener('done', () => source.close());
</script>
`;

function clampParam(params, name, def, max) {
  const n = Number(params.get(name));
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : def;
}

// sse writes count "tick" events, interval ms apart, each stamped with the time it was written,
// then a "done" event. It stops early if the client goes away.
function sse(req, res, params) {
  const count = clampParam(params, 'count', 5, 1000);
  const interval = clampParam(params, 'interval', 200, 10000);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  let n = 0;
  let timer;
  const tick = () => {
    res.write(`id: ${n}\nevent: tick\ndata: ${JSON.stringify({ n, count, at: Date.now() })}\n\n`);
    n++;
    if (n < count) {
      timer = setTimeout(tick, interval);
    } else {
      res.end('event: done\ndata: {}\n\n');
    }
  };
  res.on('close', () => clearTimeout(timer));
  tick();
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(page);
  }
  if (req.method === 'GET' && url.pathname === '/sse') {
    return sse(req, res, url.searchParams);
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'not found', path: url.pathname }));
});

server.listen(port, () => console.log(`streaming example listening on port ${port}`));

// Lambda (and ECS) send SIGTERM before stopping the process: finish what is in flight.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
