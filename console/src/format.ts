export function formatTime(value: string | number): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime())
    ? String(value)
    : date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z');
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0)}%`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

const UNIT_MS: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/** The config file's duration syntax (`7d`), as the activity PUT expects it. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of UNIT_MS) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** "in 2 d 3 h", "3 h ago": how far a time is from now, roughly. */
export function relative(ms: number, now = Date.now()): string {
  const delta = ms - now;
  const abs = Math.abs(delta);
  const text =
    abs >= 86_400_000
      ? `${Math.floor(abs / 86_400_000)} d`
      : abs >= 3_600_000
        ? `${Math.floor(abs / 3_600_000)} h`
        : `${Math.max(1, Math.floor(abs / 60_000))} min`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
