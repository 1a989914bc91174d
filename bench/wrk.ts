import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadResult } from './load.ts';

/** wrk (Debian's package) drives load from C, so the client takes less of the 2 cores than Node's fetch. */
export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

// Each line of WRK_PATHS is a path to GET, or "METHOD<tab>path<tab>JSON body".
const script = `
local reqs = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  local m, p, b = line:match("^(%u+)\t([^\t]+)\t(.*)$")
  if m then reqs[#reqs + 1] = { m, p, b } else reqs[#reqs + 1] = { "GET", line, nil } end
end
local auth = os.getenv("WRK_AUTH")
local i = 0
request = function()
  i = i + 1
  local r = reqs[((i - 1) % #reqs) + 1]
  local headers = {}
  if auth ~= "" then headers["Authorization"] = auth end
  if r[3] then headers["Content-Type"] = "application/json" end
  return wrk.format(r[1], r[2], headers, r[3])
end
`;

/** A request with a body for wrkLoad's list: sent in list order (one wrk thread, so each line once per pass). */
export type WrkRequest = { method: 'POST' | 'PUT'; path: string; body: object };

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  return match[2] === 'us' ? n / 1000 : match[2] === 'ms' ? n : match[2] === 's' ? n * 1000 : n * 60_000;
}

/** Runs wrk against `base` over the given paths (round robin) and reads its throughput and percentiles. */
export function wrkLoad(options: {
  base: string;
  paths: (string | WrkRequest)[];
  authorization?: string;
  concurrency: number;
  seconds: number;
}): LoadResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klient-wrk-'));
  const scriptPath = path.join(dir, 'paths.lua');
  const pathsFile = path.join(dir, 'paths.txt');
  fs.writeFileSync(scriptPath, script);
  const lines = options.paths.map((p) =>
    typeof p === 'string' ? p : `${p.method}\t${p.path}\t${JSON.stringify(p.body)}`,
  );
  fs.writeFileSync(pathsFile, `${lines.join('\n')}\n`);
  // Requests with bodies are used up (a coupon redeemed): one thread walks the list once, not two threads twice.
  const threads = options.paths.some((p) => typeof p !== 'string') ? 1 : Math.min(2, options.concurrency);
  const out = execFileSync(
    'wrk',
    [`-t${threads}`, `-c${options.concurrency}`, `-d${options.seconds}s`, '--latency', '-s', scriptPath, options.base],
    { env: { ...process.env, WRK_PATHS: pathsFile, WRK_AUTH: options.authorization ?? '' }, encoding: 'utf8' },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const pct = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
  return { requests, errors: non2xx, seconds: options.seconds, rps, p50: pct('50'), p99: pct('99') };
}
