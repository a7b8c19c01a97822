import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const CLI = resolve(import.meta.dirname, '../../dist/cli.js');

export interface ChildServer {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGTERM, then waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `strategy-center <command>` as a child process and waits until it says it is ready. */
export async function spawnCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number },
): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string; stop(signal?: NodeJS.Signals): Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    // Test servers keep real records but listen on loopback: open on purpose unless a test says otherwise.
    env: { ...process.env, LOG_LEVEL: 'warn', AUTH: 'off', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const match = await new Promise<RegExpMatchArray>((resolveReady, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready after ${options.timeoutMs ?? 20_000} ms:\n${output}`)),
      options.timeoutMs ?? 20_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = output.match(options.ready);
      if (found) {
        clearTimeout(timer);
        resolveReady(found);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    child,
    match,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** `strategy-center serve` on a free port. */
export async function spawnServer(
  configPath: string,
  env: NodeJS.ProcessEnv = {},
  extraArgs: readonly string[] = [],
): Promise<ChildServer> {
  const started = await spawnCli(['serve', '--config', configPath, '--port', '0', ...extraArgs], {
    env,
    ready: /listening on (http:\/\/[\d.]+:\d+)/,
  });
  return { url: started.match[1] as string, child: started.child, output: started.output, stop: started.stop };
}

/** Runs `tasks` with at most `concurrency` in flight; results in task order. */
export async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
