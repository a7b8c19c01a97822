import type { ClientRateLimit } from '../access/auth/api-clients.js';
import type { Scope } from '../access/auth/scopes.js';
import type { Activity } from '../domain/activity.js';
import type { BehaviorRule } from '../domain/behavior-rule.js';
import type { CalendarPeriod } from '../domain/calendar-period.js';
import { parseDurationMs } from '../domain/duration.js';
import { type ErrorDetail, InvalidConfigError } from '../domain/errors.js';
import type { TemplateDeclaration } from '../domain/strategy-template.js';
import { formatTemplateRef, parseTemplateRef, type TemplateRef } from '../domain/template-ref.js';
import { type ClientInput, configSchema } from './config-schema.js';
import { type ChainLookup, checkActivityReferences, checkTemplateChains, checkWindow } from './declaration-checks.js';
import { issuesToDetails } from './issue-path.js';

/** The configuration after validation, in internal units (milliseconds, epoch times). */
export interface StrategyConfig {
  readonly templates: readonly TemplateDeclaration[];
  readonly activities: readonly Activity[];
  readonly behaviorRules: readonly BehaviorRule[];
  readonly catalogPath?: string;
  /** As the file says; unset leaves the choice to the process (see app/auth-mode.ts). */
  readonly auth?: 'on' | 'off';
  readonly clients: readonly ClientDeclaration[];
}

/** A client as declared: the name of the variable holding its secret, not the secret. */
export interface ClientDeclaration {
  readonly id: string;
  readonly secretEnv: string;
  readonly scopes: readonly Scope[];
  readonly rateLimit?: ClientRateLimit;
}

/** What the running system offers beyond the file: processors and templates written in TypeScript. */
export interface CompileContext {
  readonly processorNames: readonly string[];
  /**
   * Processors that read the catalog (`Processor.readsCatalog`): a file whose chains name one must
   * configure `catalog:`, or every such chain would find nothing.
   */
  readonly catalogReaders?: readonly string[];
  /** Templates registered in code, with the channel codes each has a chain for. */
  readonly codeTemplates: readonly (TemplateRef & { readonly channels: readonly string[] })[];
  /**
   * Templates published before this file was read (admin API, earlier loads): activities may name
   * them, and the file may declare one again (whether with the same content is checked when the
   * file is applied, against the template store).
   */
  readonly publishedTemplates?: readonly (TemplateRef & { readonly channels: readonly string[] })[];
}

/**
 * Validates a parsed config file against the schema and against itself (templates named by
 * activities exist and have a chain for each channel, chains name registered processors, windows
 * end after they start, ...) and compiles it. Shape and reference problems are found in one pass
 * and reported together, each once with the path of its field; nothing partial is returned.
 */
export function compileConfig(input: unknown, context: CompileContext): StrategyConfig {
  const raw = input ?? {};
  const parsed = configSchema.safeParse(raw);
  const problems: ErrorDetail[] = parsed.success ? [] : issuesToDetails(parsed.error.issues, '', raw);
  problems.push(...checkReferences(raw, context));
  if (problems.length > 0 || !parsed.success) throw new InvalidConfigError(problems);
  const config = parsed.data;
  return {
    templates: config.templates.map((t) => ({ ...t, lock: t.lock ?? false })),
    activities: config.activities.map(compileActivity),
    behaviorRules: config.behaviorRules.map((rule) => ({
      key: rule.key,
      type: rule.type,
      count: rule.count,
      withinMs: parseDurationMs(rule.within) as number,
    })),
    ...(config.catalog === undefined ? {} : { catalogPath: config.catalog }),
    ...(config.auth === undefined ? {} : { auth: config.auth }),
    clients: config.clients.map(compileClient),
  };
}

/**
 * Everything beyond the shape, read from the raw file so that it runs even where the shape check
 * failed elsewhere (a negative stock and a missing template are both reported). Fields of the
 * wrong shape are skipped here: the schema reports them.
 */
function checkReferences(raw: unknown, context: CompileContext): ErrorDetail[] {
  const file = record(raw);
  const problems: ErrorDetail[] = [];
  const knownProcessors = new Set(context.processorNames);
  const catalogReaders = new Set(context.catalogReaders ?? []);
  const hasCatalog = typeof file.catalog === 'string';
  const templateChannels = new Map<string, readonly string[]>();
  for (const template of context.codeTemplates) templateChannels.set(formatTemplateRef(template), template.channels);

  list(file.templates).forEach((value, i) => {
    const template = record(value);
    const path = `templates[${i}]`;
    const chains = record(template.chains);
    if (typeof template.id === 'string' && typeof template.version === 'string') {
      const ref = `${template.id}@${template.version}`;
      if (templateChannels.has(ref)) problems.push({ path, message: `duplicate template ${ref}` });
      templateChannels.set(ref, Object.keys(chains));
    }
    problems.push(...checkTemplateChains(template.chains, path, knownProcessors));
    if (!hasCatalog) problems.push(...catalogWithoutFile(chains, path, catalogReaders));
  });
  for (const template of context.publishedTemplates ?? []) {
    const ref = formatTemplateRef(template);
    if (!templateChannels.has(ref)) templateChannels.set(ref, template.channels);
  }

  const lookup: ChainLookup = (ref) => {
    const channels = templateChannels.get(ref);
    return channels && { hasChainFor: (channel) => channels.includes(channel) };
  };
  const activityIds = new Set<unknown>();
  list(file.activities).forEach((value, i) => {
    const activity = record(value);
    const path = `activities[${i}]`;
    if (typeof activity.id === 'string') {
      if (activityIds.has(activity.id)) problems.push({ path: `${path}.id`, message: `duplicate activity id '${activity.id}'` });
      activityIds.add(activity.id);
    }
    const window = record(activity.window);
    if (typeof window.start === 'string' && typeof window.end === 'string') {
      problems.push(...checkWindow(Date.parse(window.start), Date.parse(window.end), path));
    }
    const references = { template: activity.template, rolloutTemplate: record(activity.rollout).template, channels: activity.channels };
    problems.push(...checkActivityReferences(references, path, lookup, () => [...templateChannels.keys()]));
  });

  const clientIds = new Set<unknown>();
  list(file.clients).forEach((value, i) => {
    const client = record(value);
    if (typeof client.id !== 'string') return;
    if (clientIds.has(client.id)) problems.push({ path: `clients[${i}].id`, message: `duplicate client id '${client.id}'` });
    clientIds.add(client.id);
  });
  if (file.auth === 'on' && list(file.clients).length === 0) {
    problems.push({
      path: 'clients',
      message: 'auth: on needs at least one client (admin routes alone can run on ADMIN_TOKEN with auth off)',
    });
  }

  const ruleKeys = new Set<unknown>();
  list(file.behaviorRules).forEach((value, i) => {
    const rule = record(value);
    if (typeof rule.key !== 'string') return;
    if (ruleKeys.has(rule.key)) problems.push({ path: `behaviorRules[${i}].key`, message: `duplicate rule key '${rule.key}'` });
    ruleKeys.add(rule.key);
  });
  return problems;
}

/** A chain that needs the catalog in a file that configures none: an error at load, naming the step. */
function catalogWithoutFile(chains: Record<string, unknown>, path: string, catalogReaders: ReadonlySet<string>): ErrorDetail[] {
  return Object.entries(chains).flatMap(([channel, chain]) =>
    list(chain).flatMap((processor, j) =>
      typeof processor === 'string' && catalogReaders.has(processor)
        ? [
            {
              path: `${path}.chains.${channel}[${j}]`,
              message: `${processor} reads the catalog, and this file configures none: set catalog: to a catalog JSON file (see data/catalog.json)`,
            },
          ]
        : [],
    ),
  );
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function compileClient(client: ClientInput): ClientDeclaration {
  return {
    id: client.id,
    secretEnv: client.secretEnv,
    scopes: client.scopes as Scope[],
    ...(client.rateLimit ? { rateLimit: compileRateLimit(client.rateLimit) } : {}),
  };
}

export function compileRateLimit(limit: NonNullable<ClientInput['rateLimit']>): ClientRateLimit {
  const budget = (b: { max: number; within: string }) => ({ max: b.max, withinMs: parseDurationMs(b.within) as number });
  return { ...budget(limit), ...(limit.perUser ? { perUser: budget(limit.perUser) } : {}) };
}

/** One validated activity from the file, in internal units. */
export function compileActivity(activity: ReturnType<typeof configSchema.parse>['activities'][number]): Activity {
  return {
    id: activity.id,
    name: activity.name,
    template: parseTemplateRef(activity.template) as TemplateRef,
    ...(activity.rollout
      ? { rollout: { template: parseTemplateRef(activity.rollout.template) as TemplateRef, percent: activity.rollout.percent } }
      : {}),
    channels: activity.channels,
    window: { startMs: Date.parse(activity.window.start), endMs: Date.parse(activity.window.end) },
    status: activity.status,
    rules: activity.rules.map((rule) => ({ path: rule.path, op: rule.op, value: rule.value })),
    benefit: {
      pool: activity.benefit.pool,
      stock: activity.benefit.stock,
      perUser: activity.benefit.perUser,
      validForMs: parseDurationMs(activity.benefit.validFor) as number,
      ...(activity.benefit.stockShards === undefined ? {} : { stockShards: activity.benefit.stockShards }),
      ...(activity.benefit.perUserPer
        ? {
            perUserPer: {
              count: activity.benefit.perUserPer.count,
              period: activity.benefit.perUserPer.period as CalendarPeriod,
              timeZone: activity.benefit.perUserPer.timezone,
            },
          }
        : {}),
    },
    preparedTtlMs: parseDurationMs(activity.preparedTtl) as number,
    ...(activity.lock === undefined ? {} : { lock: activity.lock }),
    params: activity.params,
    ...(activity.limits?.clicksPerUser
      ? {
          limits: {
            clicksPerUser: {
              count: activity.limits.clicksPerUser.count,
              withinMs: parseDurationMs(activity.limits.clicksPerUser.within) as number,
            },
          },
        }
      : {}),
  };
}
