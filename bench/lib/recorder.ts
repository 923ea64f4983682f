// Latency samples of one measured window. Exact percentiles from sorted samples: a window holds at most a few
// hundred thousand requests (8 bytes each), so there is no need for a bucketed histogram and its rounding.
import type { LatencySummary } from "./types.js";

export class LatencyRecorder {
  private samples = new Float64Array(1 << 16);
  private count = 0;

  add(ms: number): void {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++] = ms;
  }

  get size(): number {
    return this.count;
  }

  summary(): LatencySummary {
    if (this.count === 0) return { p50: 0, p99: 0, p999: 0, mean: 0, max: 0 };
    const sorted = this.samples.slice(0, this.count).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    // Nearest-rank percentile: the smallest sample with at least p of the samples at or below it.
    const at = (p: number): number => sorted[Math.min(this.count - 1, Math.max(0, Math.ceil(p * this.count) - 1))] ?? 0;
    return { p50: at(0.5), p99: at(0.99), p999: at(0.999), mean: sum / this.count, max: sorted[this.count - 1] ?? 0 };
  }
}
