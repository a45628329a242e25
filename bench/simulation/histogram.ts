/**
 * A log-linear histogram of non-negative values (milliseconds): exact below 64, then 64
 * buckets per power of two (≤ 1.6 % relative error). Mergeable across shards by adding counts.
 */
const SUB = 64;
const SIZE = SUB + 48 * SUB;

export interface HistogramData {
  readonly counts: number[];
  readonly n: number;
  readonly sum: number;
  readonly max: number;
}

function bucketOf(value: number): number {
  const v = Math.max(0, Math.floor(value));
  if (v < SUB) return v;
  const exponent = Math.floor(Math.log2(v));
  const shift = exponent - 6;
  const sub = Math.floor(v / 2 ** shift) - SUB;
  return Math.min(SIZE - 1, SUB + shift * SUB + sub);
}

/** The middle of a bucket's range. */
function middleOf(bucket: number): number {
  if (bucket < SUB) return bucket;
  const shift = Math.floor((bucket - SUB) / SUB);
  const sub = (bucket - SUB) % SUB;
  const low = (SUB + sub) * 2 ** shift;
  return low + 2 ** shift / 2;
}

export class Histogram {
  readonly counts = new Float64Array(SIZE);
  n = 0;
  sum = 0;
  max = 0;

  add(value: number): void {
    const bucket = bucketOf(value);
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.n += 1;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  toData(): HistogramData {
    return { counts: [...this.counts], n: this.n, sum: this.sum, max: this.max };
  }

  static merge(parts: readonly HistogramData[]): Histogram {
    const merged = new Histogram();
    for (const part of parts) {
      part.counts.forEach((count, index) => {
        merged.counts[index] = (merged.counts[index] ?? 0) + count;
      });
      merged.n += part.n;
      merged.sum += part.sum;
      merged.max = Math.max(merged.max, part.max);
    }
    return merged;
  }

  percentile(p: number): number {
    if (this.n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (let bucket = 0; bucket < SIZE; bucket++) {
      seen += this.counts[bucket] ?? 0;
      if (seen >= rank) return Math.min(this.max, middleOf(bucket));
    }
    return this.max;
  }

  mean(): number {
    return this.n === 0 ? Number.NaN : this.sum / this.n;
  }
}
