/** The public JSON API as the console uses it: one fetch wrapper, one error type, the answer shapes. */

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
  }

  /** The server does not have this route (an older server, or a feature not deployed): not a fault. */
  get routeMissing(): boolean {
    return this.status === 404 && this.details[0]?.path === 'route';
  }
}

let bearer: string | undefined;

/** The operator's token for every request; kept by session.ts. */
export function setBearerToken(token: string | undefined): void {
  bearer = token === '' ? undefined : token;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (error) {
    throw new ApiError(0, 'network', `the server did not answer (${(error as Error).message})`);
  }
  const text = await response.text();
  const parsed: unknown = text === '' ? undefined : safeJson(text);
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
    throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`, error?.details ?? []);
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const details = error.details.map((detail) => `${detail.path}: ${detail.message}`).join('; ');
    return details === '' ? error.message : `${error.message} (${details})`;
  }
  return error instanceof Error ? error.message : String(error);
}

export interface TemplateRef {
  id: string;
  version: string;
}

export interface Activity {
  id: string;
  name: string;
  template: TemplateRef;
  rollout?: { template: TemplateRef; percent: number };
  channels: string[];
  window: { startMs: number; endMs: number };
  status: 'active' | 'paused' | 'ended';
  rules: { path: string; op: string; value?: unknown }[];
  benefit: { pool: string; stock: number; perUser: number; validForMs: number; stockShards?: number };
  preparedTtlMs: number;
  lock?: boolean;
  params: Record<string, unknown>;
}

export interface Template {
  ref: string;
  id: string;
  version: string;
  description?: string;
  lock: boolean;
  chains: Record<string, string[]>;
}

export interface VersionOutcomes {
  templateId: string;
  version: string;
  issued: number;
  redeemed: number;
  expired: number;
  rejected: number;
  redemptionRate: number;
}

export interface ActivityStats {
  activityId: string;
  from: string;
  to: string;
  bucket: 'hour' | 'day';
  totals: { issued: number; redeemed: number; expired: number; rejected: Record<string, number>; redemptionRate: number };
  versions: VersionOutcomes[];
  stock: { total: number; remaining: number } | null;
  series: { at: string; issued: number; redeemed: number }[];
}

export interface Asset {
  id: string;
  activityId: string;
  userId: string;
  status: 'active' | 'redeemed' | 'expired';
  issuedAt: string;
  expiresAt: string;
  idempotencyKey: string;
}

export interface PreparedData {
  template: string;
  preparedAt: string;
  eventId: string;
  data: Record<string, unknown>;
}

export interface ExplainedEvent {
  eventId: string;
  channelCode: string;
  at: string;
  template: string;
  status: string;
  reason?: string;
  decidedBy?: { processor: string; status: string; reason?: string; notes?: Record<string, unknown> };
  lock?: { fence: number };
  inputs: { processor: string; notes: Record<string, unknown> }[];
}

export interface Explanation {
  activityId: string;
  userId: string;
  summary: string;
  prepared: PreparedData | null;
  assets: Asset[];
  events: ExplainedEvent[];
}

export interface TraceStep {
  processor: string;
  status: 'ran' | 'skipped' | 'stopped' | 'failed';
  durationMs: number;
  reason?: string;
  error?: { code: string; message: string };
  notes?: Record<string, unknown>;
  /** Sent by servers with step timings; computed from the durations otherwise. */
  startedAt?: string;
  offsetMs?: number;
}

export interface ChainTrace {
  eventId: string;
  channelCode: string;
  activityId: string;
  userId: string;
  template: string;
  startedAt: string;
  durationMs: number;
  status: string;
  reason?: string;
  decidedBy?: string;
  steps: TraceStep[];
}

export interface EventTrace {
  eventId: string;
  chains: ChainTrace[];
}

export interface RecentEvent {
  eventId: string;
  channelCode: string;
  userId: string;
  activityIds: string[];
  status: string;
  receivedAt: string;
  durationMs: number;
}

export interface Outcome {
  activityId: string;
  template: string;
  status: string;
  reason?: string;
  asset?: Asset;
  output?: unknown;
}

export interface DryRunAnswer {
  eventId: string;
  channelCode: string;
  outcomes: Outcome[];
  traces?: ChainTrace[];
}

export interface DeadLetter {
  id: string;
  body: string;
  reason: string;
  attempts: number;
  source: string;
  createdAt: string;
  replayedAt?: string;
}

export interface ConfigChange {
  seq: number;
  at: string;
  actor: string;
  kind: 'activity' | 'template';
  id: string;
  before: unknown;
  after: unknown;
}

export const enc = encodeURIComponent;
