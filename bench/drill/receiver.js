// Webhook receiver for bench/drill: counts deliveries per path, verifies
// nothing, answers 200 at once, and reports {count, first_ms, last_ms} at
// GET /stats (times from Date.now()). Usage: node receiver.js PORT
const http = require("http");
const port = Number(process.argv[2] || 0);
let count = 0, first = 0, last = 0;
const seen = new Set();
http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, {"content-type": "application/json"});
    res.end(JSON.stringify({count, unique: seen.size, first_ms: first, last_ms: last}));
    return;
  }
  if (req.method === "POST" && req.url === "/reset") {
    count = 0; first = 0; last = 0; seen.clear();
    res.writeHead(200); res.end();
    return;
  }
  req.on("data", () => {});
  req.on("end", () => {
    const now = Date.now();
    count++;
    seen.add(req.headers["x-vigil-idempotency-key"]);
    if (!first) first = now;
    last = now;
    res.writeHead(200, {"content-length": "0"});
    res.end();
  });
}).listen(port, "127.0.0.1", function () {
  console.log(String(this.address().port));
});
