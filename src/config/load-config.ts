import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { InvalidConfigError } from '../domain/errors.js';
import { type CompileContext, compileConfig, type StrategyConfig } from './compile-config.js';

export interface LoadedConfig extends StrategyConfig {
  /** Absolute path of the file it came from. */
  readonly path: string;
}

/** Reads a YAML or JSON config file (JSON is YAML), validates and compiles it. */
export async function loadConfig(path: string, context: CompileContext): Promise<LoadedConfig> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new InvalidConfigError([{ path: absolute, message: reason }]);
  }
  const config = compileConfig(parseConfigText(text, absolute), context);
  const catalogPath = config.catalogPath && resolve(dirname(absolute), config.catalogPath);
  return { ...config, ...(catalogPath ? { catalogPath } : {}), path: absolute };
}

export function parseConfigText(text: string, source: string): unknown {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new InvalidConfigError(
      document.errors.map((error) => {
        const line = error.linePos?.[0];
        return { path: line ? `${source}:${line.line}:${line.col}` : source, message: error.message.split('\n')[0] ?? error.message };
      }),
    );
  }
  return document.toJS();
}
