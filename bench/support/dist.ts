import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './services.js';

/**
 * Loads a module of the build (`dist/`, what `strategy-center` runs in production) rather than the
 * TypeScript source through tsx, whose transform adds helpers (`__name` wrappers around every named
 * closure) that would be measured as engine overhead. Typed as the source module it was built from.
 */
export async function fromDist<Module>(modulePath: string): Promise<Module> {
  return (await import(pathToFileURL(join(DIST, modulePath)).href)) as Module;
}

/**
 * The build to measure: `dist/`, or BENCH_DIST — a patched copy of it, to measure a change before
 * it is made in `src/`. A copy outside the repository needs the repository's `package.json` and a
 * `node_modules` link beside it.
 */
export const DIST = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(ROOT, 'dist');
