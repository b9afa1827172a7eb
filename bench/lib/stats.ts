/** Latency samples, percentiles and the small printed tables the benchmarks share. */

export class Samples {
  private values = new Float64Array(1024);
  count = 0;

  add(ms: number): void {
    if (this.count === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.count++] = ms;
  }

  sorted(): Float64Array {
    return this.values.slice(0, this.count).sort();
  }

  /** The p-th percentile (0–100), nearest rank. */
  percentile(p: number): number {
    return percentile(this.sorted(), p);
  }

  summary(): { p50: number; p90: number; p99: number; max: number; mean: number } {
    const s = this.sorted();
    let sum = 0;
    for (const v of s) sum += v;
    return {
      p50: percentile(s, 50),
      p90: percentile(s, 90),
      p99: percentile(s, 99),
      max: s.length ? s[s.length - 1]! : Number.NaN,
      mean: s.length ? sum / s.length : Number.NaN,
    };
  }
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function ms(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

export function ratio(candidate: number, baseline: number): string {
  return baseline > 0 && Number.isFinite(candidate) ? (candidate / baseline).toFixed(2) : '—';
}

/** A Markdown table (also readable as plain text), columns padded to their widest cell. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(header),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

/**
 * A closed loop of `workers` concurrent workers, each running `op` back to back until
 * `seconds` have passed. Latency of every completed op is recorded; failures are counted.
 */
export async function closedLoop(
  workers: number,
  seconds: number,
  op: (worker: number, i: number) => Promise<void>,
): Promise<{ ok: number; errors: number; seconds: number; latency: Samples; firstError?: string }> {
  const latency = new Samples();
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let i = 0;
  const started = process.hrtime.bigint();
  const end = started + BigInt(Math.round(seconds * 1e9));
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (process.hrtime.bigint() < end) {
        const t0 = process.hrtime.bigint();
        try {
          await op(w, i++);
          latency.add(Number(process.hrtime.bigint() - t0) / 1e6);
          ok++;
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { ok, errors, seconds: elapsed, latency, ...(firstError ? { firstError } : {}) };
}
