/** Latency samples and percentiles (nearest-rank on sorted samples, in milliseconds). */

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** The p-th percentile (0-100) of ascending `sorted`, nearest rank; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    max: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
  };
}

/**
 * A fixed-resolution histogram for very many samples (fan-out lag: millions of deliveries):
 * 0.1 ms buckets up to `maxMs`, larger values in the last bucket.
 */
export class Histogram {
  private readonly buckets: Uint32Array;
  private readonly resolution: number;
  count = 0;
  max = 0;

  constructor(maxMs = 60_000, resolutionMs = 0.1) {
    this.resolution = resolutionMs;
    this.buckets = new Uint32Array(Math.ceil(maxMs / resolutionMs) + 1);
  }

  record(ms: number): void {
    const i = Math.min(this.buckets.length - 1, Math.max(0, Math.floor(ms / this.resolution)));
    this.buckets[i] = (this.buckets[i] as number) + 1;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** Upper edge of the bucket holding the p-th percentile (NaN when empty). */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i] as number;
      if (seen >= rank) return Math.min(this.max, (i + 1) * this.resolution);
    }
    return this.max;
  }
}

/** Wall-clock time in ms with sub-ms precision, comparable with another process's Date.now() on this host. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Polls `check` every `everyMs` until it returns true; false when `timeoutMs` passes first. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
  everyMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs, signal);
  }
}
