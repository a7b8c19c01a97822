import type { Activity } from '../domain/activity.js';
import type { BehaviorRule } from '../domain/behavior-rule.js';
import { parseDurationMs } from '../domain/duration.js';
import { type ErrorDetail, InvalidConfigError } from '../domain/errors.js';
import type { TemplateDeclaration } from '../domain/strategy-template.js';
import { formatTemplateRef, parseTemplateRef, type TemplateRef } from '../domain/template-ref.js';
import { type ActivityInput, configSchema } from './config-schema.js';
import { issuesToDetails } from './issue-path.js';

/** The configuration after validation, in internal units (milliseconds, epoch times). */
export interface StrategyConfig {
  readonly templates: readonly TemplateDeclaration[];
  readonly activities: readonly Activity[];
  readonly behaviorRules: readonly BehaviorRule[];
  readonly catalogPath?: string;
}

/** What the running system offers beyond the file: processors and templates written in TypeScript. */
export interface CompileContext {
  readonly processorNames: readonly string[];
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
 * activities exist, chains name registered processors, ...) and compiles it. Every problem is
 * reported at once, each with the path of its field; nothing partial is returned.
 */
export function compileConfig(input: unknown, context: CompileContext): StrategyConfig {
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) throw new InvalidConfigError(issuesToDetails(parsed.error.issues, '', input ?? {}));
  const config = parsed.data;
  const problems: ErrorDetail[] = [];
  const knownProcessors = new Set(context.processorNames);
  const templateChannels = new Map<string, readonly string[]>();
  for (const template of context.codeTemplates) templateChannels.set(formatTemplateRef(template), template.channels);

  config.templates.forEach((template, i) => {
    const ref = formatTemplateRef(template);
    if (templateChannels.has(ref)) problems.push({ path: `templates[${i}]`, message: `duplicate template ${ref}` });
    templateChannels.set(ref, Object.keys(template.chains));
    problems.push(...checkTemplateChains(template.chains, `templates[${i}]`, knownProcessors));
  });
  for (const template of context.publishedTemplates ?? []) {
    const ref = formatTemplateRef(template);
    if (!templateChannels.has(ref)) templateChannels.set(ref, template.channels);
  }

  const activityIds = new Set<string>();
  config.activities.forEach((activity, i) => {
    if (activityIds.has(activity.id)) problems.push({ path: `activities[${i}].id`, message: `duplicate activity id '${activity.id}'` });
    activityIds.add(activity.id);
    problems.push(...checkActivity(activity, `activities[${i}]`, templateChannels));
  });

  const ruleKeys = new Set<string>();
  config.behaviorRules.forEach((rule, i) => {
    if (ruleKeys.has(rule.key)) problems.push({ path: `behaviorRules[${i}].key`, message: `duplicate rule key '${rule.key}'` });
    ruleKeys.add(rule.key);
  });

  if (problems.length > 0) throw new InvalidConfigError(problems);
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
  };
}

/**
 * A declared template's chains, wherever it is declared (config file, admin API): at least one
 * channel, no empty chain, only registered processors. `path` names the template, e.g.
 * `templates[0]` or `body`.
 */
export function checkTemplateChains(
  chains: Readonly<Record<string, readonly string[]>>,
  path: string,
  knownProcessors: ReadonlySet<string>,
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const channels = Object.entries(chains);
  if (channels.length === 0) problems.push({ path: `${path}.chains`, message: 'expected at least one channel chain' });
  for (const [channel, chain] of channels) {
    if (chain.length === 0) problems.push({ path: `${path}.chains.${channel}`, message: 'expected at least one processor' });
    chain.forEach((processor, j) => {
      if (!knownProcessors.has(processor)) {
        problems.push({
          path: `${path}.chains.${channel}[${j}]`,
          message: `unknown processor '${processor}' (registered: ${[...knownProcessors].join(', ')})`,
        });
      }
    });
  }
  return problems;
}

function checkActivity(activity: ActivityInput, path: string, templateChannels: ReadonlyMap<string, readonly string[]>): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (Date.parse(activity.window.end) <= Date.parse(activity.window.start)) {
    problems.push({ path: `${path}.window.end`, message: 'must be after window.start' });
  }
  const uses = [{ ref: activity.template, path: `${path}.template` }];
  if (activity.rollout) uses.push({ ref: activity.rollout.template, path: `${path}.rollout.template` });
  for (const use of uses) {
    const channels = templateChannels.get(use.ref);
    if (!channels) {
      const known = [...templateChannels.keys()].join(', ') || 'none';
      problems.push({ path: use.path, message: `template ${use.ref} is not declared or registered (known: ${known})` });
      continue;
    }
    activity.channels.forEach((channel, j) => {
      if (!channels.includes(channel)) {
        problems.push({ path: `${path}.channels[${j}]`, message: `template ${use.ref} has no chain for channel '${channel}'` });
      }
    });
  }
  return problems;
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
    },
    preparedTtlMs: parseDurationMs(activity.preparedTtl) as number,
    ...(activity.lock === undefined ? {} : { lock: activity.lock }),
    params: activity.params,
  };
}
