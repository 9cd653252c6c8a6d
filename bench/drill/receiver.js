// Webhook receiver for bench/drill. Stands in for the affected units' own
// servers (4,987 different machines in a real drill), so it must not be the
// bottleneck of the measure: it runs WORKERS processes (node's cluster module,
// default: half the CPUs) sharing the port, keeps connections alive, and speaks
// HTTP/1.1 on plain sockets (node's http module costs ~100 us a request, more
// than the sender). Every worker receives each body in full and verifies its X-Vigil-Signature
// ("sha256=" + hex HMAC-SHA256 of the body under SECRET) before counting it,
// answers 200 (401 to a bad signature) and reports its figures to the primary,
// which serves GET /stats on a second port: {count (deliveries with a good
// signature), unique (distinct idempotency keys), bad (bad signatures),
// first_ms, last_ms (Date.now() at the first and last good delivery),
// connections (TCP connections accepted), cpu_ms (the receiver's CPU time, all
// processes)}; figures are since the last POST /reset on the stats port.
// Usage: node receiver.js PORT SECRET  (env WORKERS); prints "PORT STATS_PORT".
const cluster = require("cluster");
const crypto = require("crypto");
const http = require("http");
const net = require("net");
const os = require("os");

const port = Number(process.argv[2] || 0);
const secret = process.argv[3] || "";
// default: half the CPUs (the sender needs the rest; on 2 cores one worker
// measured faster than two)
const workers = Number(process.env.WORKERS || Math.max(1, Math.floor(os.cpus().length / 2)));

// workers accept connections themselves (the default round robin has the
// primary accept each one and pass it on over IPC)
cluster.schedulingPolicy = cluster.SCHED_NONE;

if (cluster.isPrimary) {
  let count = 0, bad = 0, first = 0, last = 0, conns = 0, base = process.cpuUsage();
  const seen = new Set(), cpu = new Map();
  const stats = http.createServer((req, res) => {
    if (req.method === "POST" && req.url === "/reset") {
      count = 0; bad = 0; first = 0; last = 0; conns = 0; seen.clear(); cpu.clear();
      base = process.cpuUsage();
      for (const id in cluster.workers) cluster.workers[id].send({reset: true});
      res.writeHead(200); res.end();
      return;
    }
    const u = process.cpuUsage(base);
    let cpu_ms = (u.user + u.system) / 1000;
    for (const v of cpu.values()) cpu_ms += v;
    res.writeHead(200, {"content-type": "application/json"});
    res.end(JSON.stringify({count, unique: seen.size, bad, first_ms: first, last_ms: last,
                            connections: conns, cpu_ms: Math.round(cpu_ms)}));
  });
  let listening = 0, dataPort = 0;
  const onMessage = (w, m) => {
    if (m.port) {
      dataPort = m.port;
      if (++listening === workers)
        stats.listen(0, "127.0.0.1", () => console.log(dataPort + " " + stats.address().port));
      return;
    }
    count += m.count; bad += m.bad; conns += m.conns;
    for (const k of m.keys) seen.add(k);
    if (m.first && (!first || m.first < first)) first = m.first;
    if (m.last > last) last = m.last;
    cpu.set(w.id, m.cpu_ms);
  };
  // with PORT 0 the workers share one random port (cluster's listen(0) rule)
  for (let i = 0; i < workers; i++) {
    const w = cluster.fork({RX_PORT: String(port)});
    w.on("message", (m) => onMessage(w, m));
  }
} else {
  // HTTP/1.1 over net, parsed here: request line, headers up to the blank line,
  // then Content-Length bytes of body (chunked bodies are refused); several
  // requests in one read (pipelining) are answered in order.
  const key = Buffer.from(secret);
  const OK = Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
  const BAD = Buffer.from("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n");
  const REFUSED = Buffer.from("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  let count = 0, bad = 0, first = 0, last = 0, conns = 0, keys = [], timer = null, base = process.cpuUsage();
  const flush = () => {
    timer = null;
    const u = process.cpuUsage(base);
    process.send({count, bad, first, last, conns, keys, cpu_ms: (u.user + u.system) / 1000});
    count = 0; bad = 0; first = 0; conns = 0; keys = [];
  };
  let warming = true;
  const later = () => { if (!timer && !warming) timer = setTimeout(flush, 25); };
  process.on("message", (m) => { if (m.reset) { count = 0; bad = 0; first = 0; last = 0; keys = []; base = process.cpuUsage(); } });
  // one request: returns the answer
  const handle = (head, body) => {
    let sig = "", idem = "";
    for (const line of head.split("\r\n")) {
      const c = line.indexOf(":");
      if (c < 0) continue;
      const name = line.slice(0, c).toLowerCase();
      if (name === "x-vigil-signature") sig = line.slice(c + 1).trim();
      else if (name === "x-vigil-idempotency-key") idem = line.slice(c + 1).trim();
    }
    const want = "sha256=" + crypto.createHmac("sha256", key).update(body).digest("hex");
    if (sig.length !== want.length || !crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(want))) {
      bad++;
      later();
      return BAD;
    }
    const now = Date.now();
    count++;
    keys.push(idem);
    if (!first) first = now;
    last = now;
    later();
    return OK;
  };
  // the bytes read on one connection: returns the answers to the whole
  // requests among them and keeps the rest in st.buf (null when refused)
  const onData = (st, chunk) => {
    let buf = st.buf ? Buffer.concat([st.buf, chunk]) : chunk;
    const out = [];
    for (;;) {
      const he = buf.indexOf("\r\n\r\n");
      if (he < 0) break;
      const head = buf.toString("latin1", 0, he);
      const m = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
      const clen = m ? Number(m[1]) : 0;
      if (/\r\ntransfer-encoding:/i.test(head)) {
        st.buf = null;
        return REFUSED;
      }
      if (buf.length < he + 4 + clen) break;
      out.push(handle(head, buf.subarray(he + 4, he + 4 + clen)));
      buf = buf.subarray(he + 4 + clen);
    }
    st.buf = buf.length ? buf : null;
    return out.length === 0 ? null : out.length === 1 ? out[0] : Buffer.concat(out);
  };
  const serve = (sock) => {
    const st = {buf: null};
    conns++;
    later();
    sock.setNoDelay(true);
    sock.on("error", () => {});
    sock.on("data", (chunk) => {
      const out = onData(st, chunk);
      if (out === REFUSED)
        sock.end(REFUSED);
      else if (out)
        sock.write(out);
    });
  };
  // A real receiver is warm: before listening, answer WARM requests over a
  // loopback connection (V8 optimises this file's code and node's socket
  // path), then start the figures from zero.
  const WARM = 20000;
  const body = Buffer.from(JSON.stringify({topic: "warm-up", data: "x".repeat(600)}));
  const sig = crypto.createHmac("sha256", key).update(body).digest("hex");
  const req = Buffer.concat([Buffer.from("POST /warm HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
    "X-Vigil-Signature: sha256=" + sig + "\r\nX-Vigil-Idempotency-Key: warm\r\nContent-Length: " +
    body.length + "\r\n\r\n"), body]);
  const warm = net.createServer(serve).listen({port: 0, host: "127.0.0.1", exclusive: true}, () => {
    const c = net.connect(warm.address().port, "127.0.0.1");
    let sent = 1, bytes = 0;
    c.setNoDelay(true);
    c.on("connect", () => c.write(req));
    c.on("data", (d) => {
      bytes += d.length;
      if (bytes < sent * OK.length)
        return;
      if (sent < WARM) {
        sent++;
        c.write(req);
        return;
      }
      c.destroy();
      warm.close();
      count = 0; bad = 0; first = 0; last = 0; conns = 0; keys = []; base = process.cpuUsage();
      warming = false;
      const srv = net.createServer(serve);
      srv.listen(Number(process.env.RX_PORT), "127.0.0.1", () => process.send({port: srv.address().port}));
    });
  });
}
