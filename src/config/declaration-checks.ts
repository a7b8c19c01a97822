import type { ErrorDetail } from '../domain/errors.js';
import { parseTemplateRef } from '../domain/template-ref.js';

/**
 * The checks of activities and templates beyond their shape, defined once and used wherever one
 * is declared or published: the config file (`compileConfig`, hence `strategy-center validate`),
 * the admin API and `ActivityAdmin.publish`. They read only the fields they need and skip a field
 * the shape check already refuses, so that shape and reference problems are reported together,
 * each once, in one pass.
 */

/** The chains of a template by reference: `undefined` when no such template exists. */
export type ChainLookup = (templateRef: string) => { readonly hasChainFor: (channel: string) => boolean } | undefined;

export function missingTemplate(ref: string, known: readonly string[]): string {
  return `template ${ref} is not declared or registered (known: ${known.join(', ') || 'none'})`;
}

export function noChainForChannel(ref: string, channel: string): string {
  return `template ${ref} has no chain for channel '${channel}'`;
}

/** The window must end after it starts (times as epoch ms; NaN is a shape problem, reported elsewhere). */
export function checkWindow(startMs: number, endMs: number, path: string): ErrorDetail[] {
  if (Number.isNaN(startMs) || Number.isNaN(endMs) || endMs > startMs) return [];
  return [{ path: `${path}.window.end`, message: 'must be after window.start' }];
}

/** What an activity references, whatever its form (file declaration, compiled activity). */
export interface ActivityReferences {
  readonly template?: unknown;
  readonly rolloutTemplate?: unknown;
  readonly channels?: unknown;
}

/** The activity's template (and rollout template) exist and have a chain for each of its channels. */
export function checkActivityReferences(
  activity: ActivityReferences,
  path: string,
  lookup: ChainLookup,
  knownTemplates: () => readonly string[],
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const uses = [
    { ref: activity.template, path: `${path}.template` },
    { ref: activity.rolloutTemplate, path: `${path}.rollout.template` },
  ];
  const channels = Array.isArray(activity.channels) ? activity.channels : [];
  for (const use of uses) {
    if (typeof use.ref !== 'string' || !parseTemplateRef(use.ref)) continue;
    const template = lookup(use.ref);
    if (!template) {
      problems.push({ path: use.path, message: missingTemplate(use.ref, knownTemplates()) });
      continue;
    }
    channels.forEach((channel, j) => {
      if (typeof channel === 'string' && !template.hasChainFor(channel)) {
        problems.push({ path: `${path}.channels[${j}]`, message: noChainForChannel(use.ref as string, channel) });
      }
    });
  }
  return problems;
}

/**
 * A declared template's chains, wherever it is declared (config file, admin API): at least one
 * channel, no empty chain, only registered processors. `path` names the template, e.g.
 * `templates[0]` or `body`. Entries of the wrong type are the shape check's to report.
 */
export function checkTemplateChains(chains: unknown, path: string, knownProcessors: ReadonlySet<string>): ErrorDetail[] {
  if (chains === null || typeof chains !== 'object' || Array.isArray(chains)) return [];
  const problems: ErrorDetail[] = [];
  const channels = Object.entries(chains);
  if (channels.length === 0) problems.push({ path: `${path}.chains`, message: 'expected at least one channel chain' });
  for (const [channel, chain] of channels) {
    if (!Array.isArray(chain)) continue;
    if (chain.length === 0) problems.push({ path: `${path}.chains.${channel}`, message: 'expected at least one processor' });
    chain.forEach((processor, j) => {
      if (typeof processor === 'string' && !knownProcessors.has(processor)) {
        problems.push({
          path: `${path}.chains.${channel}[${j}]`,
          message: `unknown processor '${processor}' (registered: ${[...knownProcessors].join(', ')})`,
        });
      }
    });
  }
  return problems;
}

/** A declaration whose id is also in the request path must repeat it exactly. */
export function checkIdMatchesPath(field: string, declared: unknown, fromPath: string, path: string): ErrorDetail[] {
  if (declared === undefined || declared === fromPath) return [];
  return [{ path: `${path}.${field}`, message: `expected '${fromPath}' (from the path), got '${String(declared)}'` }];
}
