import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { DIST } from './dist.js';

export const CLI = join(DIST, 'cli.js');

export interface ChildServer {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `strategy-center serve` in its own process, so the load generator never shares its event loop.
 * Runs the built CLI (`npm run build` first), on a free port.
 */
export async function spawnServer(
  configPath: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
  extra: { readonly args?: readonly string[]; readonly nodeArgs?: readonly string[] } = {},
): Promise<ChildServer> {
  // BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server under load.
  const nodeArgs = [...(extra.nodeArgs ?? []), ...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--config', configPath, '--port', '0', ...(extra.args ?? [])], {
    // Issuance is measured without the front door; `auth` in the bench's own config turns it on.
    env: { ...process.env, LOG_LEVEL: 'warn', AUTH: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready after ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      // Keep only the start and the tail: a long run must not grow this without bound.
      output = (output + chunk.toString()).slice(-20_000);
      const found = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (found?.[1]) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
