import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { App } from '../../app/app-options.js';
import { issuesToDetails } from '../../config/issue-path.js';
import { InvalidInputError } from '../../domain/errors.js';
import { OUTCOME_STATUSES } from '../../domain/outcome.js';
import { formatTemplateRef, type TemplateRef } from '../../domain/template-ref.js';
import { formatTable } from './format-table.js';

/** One recorded channel event per line, as `GET /v1/events/export` writes them. */
export const recordedEventSchema = z.strictObject({
  channelCode: z.string().min(1),
  userId: z.string().min(1),
  eventId: z.string().min(1),
  payload: z.record(z.string(), z.unknown()).optional(),
  at: z.iso.datetime({ offset: true }),
});
export type RecordedEvent = z.infer<typeof recordedEventSchema>;

export interface ReplayReport {
  readonly events: number;
  readonly counts: Record<string, Record<string, number>>;
  readonly changed: readonly { eventId: string; userId: string; activityId: string; baseline: string; candidate: string }[];
}

/**
 * Runs recorded events through two versions of a template, each in its own in-memory instance of
 * the product (nothing touches production), with every event evaluated at its recorded time.
 * Both apps must be fresh: the replay builds their whole state from the file.
 */
export async function replay(options: {
  file: string;
  candidate: { app: App; template: TemplateRef };
  baseline: { app: App; template: TemplateRef };
  progress?: (done: number, bytesRead: number, totalBytes: number) => void;
}): Promise<ReplayReport> {
  const { candidate, baseline } = options;
  for (const side of [candidate, baseline]) await pinTemplate(side.app, side.template);
  const names = { candidate: formatTemplateRef(candidate.template), baseline: formatTemplateRef(baseline.template) };
  const counts: Record<string, Record<string, number>> = {
    [names.baseline]: Object.fromEntries(OUTCOME_STATUSES.map((s) => [s, 0])),
    [names.candidate]: Object.fromEntries(OUTCOME_STATUSES.map((s) => [s, 0])),
  };
  const changed: ReplayReport['changed'][number][] = [];
  const totalBytes = (await stat(options.file)).size;
  let bytesRead = 0;
  let events = 0;
  let line = 0;
  const lines = createInterface({ input: createReadStream(options.file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) {
    line += 1;
    bytesRead += Buffer.byteLength(text) + 1;
    if (text.trim() === '') continue;
    const event = parseLine(text, line);
    const nowMs = Date.parse(event.at);
    const [base, cand] = await Promise.all([
      baseline.app.dispatcher.dispatch(event, { nowMs }),
      candidate.app.dispatcher.dispatch(event, { nowMs }),
    ]);
    const baseByActivity = new Map(base.outcomes.map((o) => [o.activityId, o.status]));
    for (const outcome of base.outcomes) bump(counts[names.baseline], outcome.status);
    for (const outcome of cand.outcomes) {
      bump(counts[names.candidate], outcome.status);
      const before = baseByActivity.get(outcome.activityId) ?? 'none';
      if (before !== outcome.status) {
        changed.push({
          eventId: event.eventId,
          userId: event.userId,
          activityId: outcome.activityId,
          baseline: before,
          candidate: outcome.status,
        });
      }
    }
    events += 1;
    options.progress?.(events, bytesRead, totalBytes);
  }
  return { events, counts, changed };
}

/** Every activity of the template's id runs exactly this version, without rollout. */
async function pinTemplate(app: App, template: TemplateRef): Promise<void> {
  if (!app.templates.get(template)) {
    throw new InvalidInputError(`template ${formatTemplateRef(template)} is not in the configuration`, [
      { path: 'template', message: `known: ${app.templates.list().map(formatTemplateRef).join(', ')}` },
    ]);
  }
  for (const activity of await app.activities.list()) {
    if (activity.template.id !== template.id) continue;
    const { rollout: _none, ...rest } = activity;
    await app.admin.publish({ ...rest, template });
  }
}

function parseLine(text: string, line: number): RecordedEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidInputError(`line ${line} is not JSON`, [{ path: `line ${line}`, message: 'not valid JSON' }]);
  }
  const parsed = recordedEventSchema.safeParse(json);
  if (!parsed.success) {
    const details = issuesToDetails(parsed.error.issues, `line ${line}`, json);
    throw new InvalidInputError(
      `line ${line} is not a recorded event: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  return parsed.data;
}

function bump(counts: Record<string, number> | undefined, status: string): void {
  if (counts) counts[status] = (counts[status] ?? 0) + 1;
}

export function formatReplayReport(report: ReplayReport, baseline: string, candidate: string, maxChanged = 50): string {
  const rows = OUTCOME_STATUSES.map((status) => {
    const base = report.counts[baseline]?.[status] ?? 0;
    const cand = report.counts[candidate]?.[status] ?? 0;
    return [status, base, cand, cand - base > 0 ? `+${cand - base}` : String(cand - base)];
  });
  const lines = [`${report.events} events replayed`, '', formatTable(['status', baseline, candidate, 'change'], rows)];
  const users = new Set(report.changed.map((c) => c.userId));
  lines.push('', `${users.size} user(s) with a changed outcome (${report.changed.length} event(s))`);
  if (report.changed.length > 0) {
    lines.push(
      formatTable(
        ['user', 'event', 'activity', baseline, candidate],
        report.changed.slice(0, maxChanged).map((c) => [c.userId, c.eventId, c.activityId, c.baseline, c.candidate]),
      ),
    );
    if (report.changed.length > maxChanged) lines.push(`… and ${report.changed.length - maxChanged} more (use --json for all)`);
  }
  return lines.join('\n');
}

/** A one-line progress bar on stderr, redrawn at most ten times a second. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): (done: number, read: number, total: number) => void {
  let last = 0;
  return (done, read, total) => {
    const now = Date.now();
    if (now - last < 100 && read < total) return;
    last = now;
    const share = total === 0 ? 1 : Math.min(1, read / total);
    const width = 30;
    const filled = Math.round(share * width);
    stream.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${done.toLocaleString('en-US')} events`,
    );
    if (read >= total) stream.write('\n');
  };
}
