import { performance } from 'node:perf_hooks';

export type LoadResult = { requests: number; errors: number; seconds: number; rps: number; p50: number; p99: number };

/** Closed-loop load: `concurrency` clients, each sending its next request when the last answered. */
export async function load(
  options: { concurrency: number; seconds: number; warmupSeconds?: number },
  request: (i: number) => Promise<Response>,
): Promise<LoadResult> {
  const run = async (seconds: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    let counter = 0;
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          const res = await request(counter++);
          await res.arrayBuffer();
          if (!res.ok) errors++;
          if (record) latencies.push(performance.now() - t0);
        }
      }),
    );
    return { latencies, errors, elapsed: (performance.now() - started) / 1000 };
  };
  if (options.warmupSeconds) await run(options.warmupSeconds, false);
  const { latencies, errors, elapsed } = await run(options.seconds, true);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN;
  return {
    requests: latencies.length,
    errors,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
  };
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits);
