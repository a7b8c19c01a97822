import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parse, stringify } from 'yaml';
import { buildHttpServer } from '../../src/access/http/http-server.js';
import { type App, type AppOptions, createApp } from '../../src/app/create-app.js';

export const SAMPLE_CONFIG = resolve(import.meta.dirname, '../../strategy-center.yaml');

type SampleConfig = {
  templates: Record<string, unknown>[];
  activities: (Record<string, unknown> & { benefit: Record<string, unknown> })[];
  behaviorRules: Record<string, unknown>[];
  catalog: string;
};

/** Writes the sample config, changed by `edit`, to a temporary file and returns its path. */
export function sampleConfigFile(edit: (config: SampleConfig) => void = () => {}): string {
  const config = parse(readFileSync(SAMPLE_CONFIG, 'utf8')) as SampleConfig;
  config.catalog = resolve(import.meta.dirname, '../../data/catalog.json');
  edit(config);
  const path = join(mkdtempSync(join(tmpdir(), 'sc-config-')), 'strategy-center.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

export interface RunningApi {
  app: App;
  http: FastifyInstance;
  url: string;
  post(path: string, body: unknown): Promise<{ status: number; body: any }>;
  get(path: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The whole product on a real port, as `serve` runs it. */
export async function startApi(options: Partial<AppOptions> & { configPath?: string } = {}): Promise<RunningApi> {
  const app = await createApp({ configPath: options.configPath ?? sampleConfigFile(), ...options });
  await app.startConsuming();
  const http = buildHttpServer(app);
  const url = await http.listen({ port: 0, host: '127.0.0.1' });
  const request = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    app,
    http,
    url,
    post: (path, body) => request('POST', path, body),
    get: (path) => request('GET', path),
    close: async () => {
      await http.close();
      await app.close();
    },
  };
}
