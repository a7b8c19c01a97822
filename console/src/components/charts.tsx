import type { ChainTrace, TraceStep } from '../api.js';
import { formatCount, formatTime } from '../format.js';

/** Remaining stock as a bar; red when under a tenth is left. */
export function StockBar({ total, remaining }: { total: number; remaining: number }) {
  return (
    <div class="stock">
      <meter
        class="bar"
        aria-label="stock remaining"
        min={0}
        max={Math.max(total, 1)}
        low={total * 0.1}
        optimum={total}
        value={remaining}
      />
      <span class="stock-text">
        {formatCount(remaining)} / {formatCount(total)} left
      </span>
    </div>
  );
}

const W = 640;
const H = 220;
const PAD = { left: 52, right: 12, top: 12, bottom: 34 };

/**
 * The burn-down: stock left at the end of each bucket and, under it, redemptions per bucket. The
 * stock at the start of the period is what is left now plus what the period issued. Drawn by
 * hand: one path, some bars and a few ticks need no chart library.
 */
export function BurnDown({
  series,
  stock,
}: {
  series: { at: string; issued: number; redeemed: number }[];
  stock: { total: number; remaining: number } | null;
}) {
  if (series.length === 0) return <p class="muted">Nothing issued in this period.</p>;
  const issuedInPeriod = series.reduce((sum, bucket) => sum + bucket.issued, 0);
  // Without stock figures the line counts up what was issued instead.
  const start = stock === null ? 0 : stock.remaining + issuedInPeriod;
  let issuedSoFar = 0;
  const levels = [start];
  for (const bucket of series) {
    issuedSoFar += bucket.issued;
    levels.push(stock === null ? issuedSoFar : start - issuedSoFar);
  }
  const top = Math.max(1, stock?.total ?? 0, ...levels, ...series.map((bucket) => bucket.redeemed));
  const step = (W - PAD.left - PAD.right) / series.length;
  const x = (edge: number) => PAD.left + edge * step;
  const y = (value: number) => PAD.top + (1 - value / top) * (H - PAD.top - PAD.bottom);
  const line = levels.map((level, edge) => `${edge === 0 ? 'M' : 'L'}${x(edge).toFixed(1)},${y(level).toFixed(1)}`).join(' ');
  const barWidth = Math.max(1, step * 0.6);
  const ticks = [0, 0.5, 1].map((share) => Math.round(top * share));
  const label = stock === null ? 'issued so far' : 'stock left';
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Burn-down: ${label} per bucket, and redemptions`}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(tick)} y2={y(tick)} class="grid" />
            <text x={PAD.left - 6} y={y(tick) + 4} text-anchor="end" class="tick">
              {formatCount(tick)}
            </text>
          </g>
        ))}
        {series.map((bucket, index) => (
          <rect
            key={bucket.at}
            class="redeemed"
            x={x(index + 0.5) - barWidth / 2}
            y={y(bucket.redeemed)}
            width={barWidth}
            height={Math.max(0, H - PAD.bottom - y(bucket.redeemed))}
          >
            <title>
              {formatTime(bucket.at)}: {bucket.issued} issued, {bucket.redeemed} redeemed
            </title>
          </rect>
        ))}
        <path d={line} class="line" />
        <text x={PAD.left} y={H - 10} class="tick">
          {formatTime(series[0]!.at)}
        </text>
        <text x={W - PAD.right} y={H - 10} text-anchor="end" class="tick">
          {formatTime(series[series.length - 1]!.at)}
        </text>
      </svg>
      <figcaption>
        <span class="key line-key" /> {label} <span class="key bar-key" /> redeemed per bucket
      </figcaption>
    </figure>
  );
}

/** Where each step starts: the server's offsets when it sends them, else one after another. */
function stepOffsets(steps: TraceStep[]): number[] {
  let elapsed = 0;
  return steps.map((step) => {
    const offset = step.offsetMs ?? elapsed;
    elapsed = offset + step.durationMs;
    return offset;
  });
}

/** A trace as a waterfall: one row per processor, placed at its start and as long as it ran. */
export function Waterfall({ chain }: { chain: ChainTrace }) {
  const offsets = stepOffsets(chain.steps);
  const span = Math.max(chain.durationMs, ...chain.steps.map((step, index) => offsets[index]! + step.durationMs), 0.001);
  const timed = chain.steps.some((step) => step.offsetMs !== undefined);
  return (
    <figure class="waterfall">
      <figcaption>
        <strong>{chain.activityId}</strong> · {chain.template} · {chain.channelCode} · <Status value={chain.status} />
        {chain.reason ? ` — ${chain.reason}` : ''} · {chain.durationMs.toFixed(2)} ms
        {timed ? '' : ' (steps placed one after another: this server sends no step offsets)'}
      </figcaption>
      <ol>
        {chain.steps.map((step, index) => {
          const decided = chain.decidedBy === step.processor;
          return (
            <li key={`${step.processor}-${index}`} class={decided ? 'decided' : ''}>
              <span class="step-name">
                {step.processor}
                {decided ? ' ★' : ''}
              </span>
              <span class="track">
                <span
                  class={`span ${step.status}`}
                  style={{
                    left: `${(offsets[index]! / span) * 100}%`,
                    width: `${Math.max(0.8, (step.durationMs / span) * 100)}%`,
                  }}
                />
              </span>
              <span class="step-time">
                {step.status} · {step.durationMs.toFixed(2)} ms{step.reason ? ` · ${step.reason}` : ''}
                {step.error ? ` · ${step.error.code}: ${step.error.message}` : ''}
              </span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}

/** A chain drawn as a flow: the channel, then each processor in order. */
export function ChainFlow({ channel, processors }: { channel: string; processors: string[] }) {
  return (
    <ol class="flow" aria-label={`chain for ${channel}`}>
      <li class="flow-channel">{channel}</li>
      {processors.map((processor, index) => (
        <li key={`${processor}-${index}`} class="flow-step">
          <span class="arrow" aria-hidden="true">
            →
          </span>
          <span class="flow-node">{processor}</span>
        </li>
      ))}
    </ol>
  );
}

export function Status({ value }: { value: string }) {
  return <span class={`status status-${value}`}>{value}</span>;
}
