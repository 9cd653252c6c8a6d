-- wrk script: POST a realistic case submission per request: distinct ones,
-- with one in 20 naming the alias of the thread's previous submission (a
-- second report of the same flaw, linked as a possible duplicate). Each wrk
-- thread numbers its own (setup gives it an id), so threads do not repeat
-- one another's aliases or products.
local counter = 0
local token = os.getenv("VIGIL_TOKEN")

local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads) -- a global of the thread's own script
end

local products = {"log4j-core", "spring-web", "openssl", "struts2-core", "jackson-databind",
                  "tomcat-embed-core", "netty-handler", "commons-text", "snakeyaml", "xstream"}

request = function()
  counter = counter + 1
  local p = products[(counter % #products) + 1]
  local body = string.format([[{"title":"Flaw %d in %s","library":"general","reporter_role":"finder",
"product":{"vendor":"Vendor %d","name":"%s","model":"%s","versions":"1.0 to 2.%d"},
"technical_characteristics":"input validation flaw in the parser reachable over the network",
"harm":"remote code execution","scope":"internet-facing deployments",
"discovered_at":"2026-11-30T08:00:00Z",
"affected":[{"purl":"pkg:maven/org.example.t%d.c%d/%s","ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"2.%d"}]}]}],
"cvss":["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],"aliases":["CVE-2099-%d-%d"],"tlp":"amber"}]],
    counter, p, counter % 97, p, p, counter % 50, tid or 0, counter, p, counter % 50, tid or 0,
    counter % 20 == 0 and counter - 1 or counter)
  return wrk.format("POST", "/api/v1/cases",
                    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token},
                    body)
end

local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("p50_ms %.2f\np99_ms %.2f\nrps %.1f\nerrors %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
