// Peer benchmark: @renovatebot/osv-offline's database (OsvOfflineDb, the part
// OsvOffline.getVulnerabilities() calls) over the same NeDB files vigil reads,
// with version matching done the way Renovate's vulnerability worker does it
// (lib/workers/repository/process/vulnerabilities.ts: skip withdrawn, match
// package name and ecosystem, walk each range's events in order with the
// ecosystem's versioning - npm semver here, the synthetic versions being
// plain x.y.z - and check the explicit `versions` list).
// Usage: node osv_offline_bench.mjs NEDB_DIR PURLS_FILE [SECONDS]
// Prints key=value lines. Not a test.
import fs from 'node:fs';

const [dir, purlsFile, secsArg] = process.argv.slice(2);
process.env.OSV_OFFLINE_ROOT_DIR = dir;
const { OsvOfflineDb } = await import('@renovatebot/osv-offline-db');
const semver = (await import('semver')).default;
const seconds = Number(secsArg ?? 5);

const TYPES = { npm: 'npm', maven: 'Maven', pypi: 'PyPI', golang: 'Go', cargo: 'crates.io',
  gem: 'RubyGems', nuget: 'NuGet', composer: 'Packagist' };

function parsePurl(p) {
  const m = /^pkg:([^/]+)\/(.*)@([^@?#]+)$/.exec(p);
  if (!m || !TYPES[m[1]]) return null;
  const parts = m[2].split('/').map(decodeURIComponent);
  let name = parts.join('/');
  if (m[1] === 'maven') name = parts.slice(0, -1).join('/') + ':' + parts[parts.length - 1];
  return { ecosystem: TYPES[m[1]], name, version: decodeURIComponent(m[3]) };
}

// Renovate's helpers, on a semver versioning API
const api = {
  isVersion: (v) => semver.valid(v) !== null,
  equals: (a, b) => semver.eq(a, b),
  isGreaterThan: (a, b) => semver.gt(a, b),
};
const gtOrEq = (v, o) => api.isVersion(v) && api.isVersion(o) && (api.equals(v, o) || api.isGreaterThan(v, o));
const gt = (v, o) => api.isVersion(v) && api.isVersion(o) && api.isGreaterThan(v, o);

function inRanges(depVersion, affected) {
  for (const range of affected.ranges ?? []) {
    if (range.type === 'GIT') continue;
    let vulnerable = false;
    for (const event of range.events) {
      if (event.introduced && (event.introduced === '0' || gtOrEq(depVersion, event.introduced))) {
        vulnerable = true;
      } else if (event.fixed && gtOrEq(depVersion, event.fixed)) {
        vulnerable = false;
      } else if (event.last_affected && gt(depVersion, event.last_affected)) {
        vulnerable = false;
      }
    }
    if (vulnerable) return true;
  }
  return false;
}

function affects(vuln, c) {
  if (vuln.withdrawn) return false;
  for (const affected of vuln.affected ?? []) {
    if (affected.package?.name !== c.name || affected.package?.ecosystem !== c.ecosystem) continue;
    if (affected.versions?.includes(c.version) || inRanges(c.version, affected)) return true;
  }
  return false;
}

const tStart = process.hrtime.bigint();
const comps = fs.readFileSync(purlsFile, 'utf8').split('\n').filter(Boolean).map(parsePurl).filter(Boolean);
const db = OsvOfflineDb.create();

// load: the first query of each ecosystem builds its index over the file
let t0 = process.hrtime.bigint();
for (const eco of new Set(comps.map((c) => c.ecosystem))) await db.query(eco, '\u0000none');
const loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

let vulnerable = 0, matches = 0;
for (const c of comps) {
  const vulns = await db.query(c.ecosystem, c.name);
  let n = 0;
  for (const v of vulns) if (affects(v, c)) n++;
  matches += n;
  if (n) vulnerable++;
}

// end to end, as a Renovate-style scan would run it: start, load, one pass
const e2eSeconds = Number(process.hrtime.bigint() - tStart) / 1e9;
const e2eCpu = process.cpuUsage();

let queries = 0;
const c0 = process.cpuUsage();
t0 = process.hrtime.bigint();
let elapsed = 0;
do {
  for (const c of comps) {
    const vulns = await db.query(c.ecosystem, c.name);
    for (const v of vulns) affects(v, c);
    queries++;
  }
  elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
} while (elapsed < seconds);
const c1 = process.cpuUsage(c0);
db[Symbol.dispose]();

console.log(`components=${comps.length}`);
console.log(`load_seconds=${loadSeconds.toFixed(3)}`);
console.log(`e2e_seconds=${e2eSeconds.toFixed(3)}`);
console.log(`vulnerable_components=${vulnerable}`);
console.log(`advisory_matches=${matches}`);
console.log(`queries=${queries}`);
console.log(`query_seconds=${elapsed.toFixed(3)}`);
console.log(`queries_per_second=${(queries / elapsed).toFixed(1)}`);
console.log(`ns_per_query=${(elapsed * 1e9 / queries).toFixed(0)}`);
// CPU time of the whole process (the pread threads included), as vigil's side is measured
console.log(`cpu_ns_per_query=${((c1.user + c1.system) * 1e3 / queries).toFixed(0)}`);
console.log(`e2e_cpu_seconds=${((e2eCpu.user + e2eCpu.system) / 1e6).toFixed(3)}`);
