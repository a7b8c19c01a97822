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
 * The burn-down: stock left after each bucket (from the cumulative issuance) and, under it,
 * redemptions per bucket. Drawn by hand: one path and a few ticks need no chart library.
 */
export function BurnDown({ series, total }: { series: { at: string; issued: number; redeemed: number }[]; total: number | null }) {
  if (series.length === 0) return <p class="muted">Nothing issued in this period.</p>;
  let issuedSoFar = 0;
  const points = series.map((bucket) => {
    issuedSoFar += bucket.issued;
    return { at: Date.parse(bucket.at), left: total === null ? issuedSoFar : total - issuedSoFar, redeemed: bucket.redeemed };
  });
  const first = points[0]!.at;
  const last = points[points.length - 1]!.at;
  const top = Math.max(1, total ?? 0, ...points.map((point) => Math.max(point.left, point.redeemed)));
  const x = (at: number) => PAD.left + (last === first ? 0.5 : (at - first) / (last - first)) * (W - PAD.left - PAD.right);
  const y = (value: number) => PAD.top + (1 - value / top) * (H - PAD.top - PAD.bottom);
  const line = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${x(point.at).toFixed(1)},${y(point.left).toFixed(1)}`).join(' ');
  const barWidth = Math.max(2, ((W - PAD.left - PAD.right) / points.length) * 0.5);
  const ticks = [0, 0.5, 1].map((share) => Math.round(top * share));
  const label = total === null ? 'issued so far' : 'stock left';
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
        {points.map((point) => (
          <rect
            key={point.at}
            class="redeemed"
            x={x(point.at) - barWidth / 2}
            y={y(point.redeemed)}
            width={barWidth}
            height={Math.max(0, H - PAD.bottom - y(point.redeemed))}
          />
        ))}
        <path d={line} class="line" />
        <text x={PAD.left} y={H - 10} class="tick">
          {formatTime(first)}
        </text>
        <text x={W - PAD.right} y={H - 10} text-anchor="end" class="tick">
          {formatTime(last)}
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
