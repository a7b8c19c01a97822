import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { REDIS_URL } from '../../support/services.js';

const SCRIPT = resolve(import.meta.dirname, 'lock-holder.ts');

export type HolderLine = Record<string, unknown> & { event: string };

/** Drives `lock-holder.ts` in a child process: one JSON line per command, answers awaited by event name. */
export class LockHolderProcess {
  readonly child: ChildProcess;
  readonly #lines: HolderLine[] = [];
  readonly #waiters: { event: string; resolve: (line: HolderLine) => void }[] = [];
  #stderr = '';

  private constructor(child: ChildProcess) {
    this.child = child;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      let line: HolderLine;
      try {
        line = JSON.parse(text) as HolderLine;
      } catch {
        return;
      }
      const waiter = this.#waiters.findIndex((w) => w.event === line.event);
      if (waiter >= 0) this.#waiters.splice(waiter, 1)[0]?.resolve(line);
      else this.#lines.push(line);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
  }

  static start(options: {
    prefix: string;
    activityId: string;
    userId: string;
    ttlMs: number;
    mode: 'hold' | 'contend';
  }): LockHolderProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
      env: {
        ...process.env,
        REDIS_URL,
        PREFIX: options.prefix,
        ACTIVITY: options.activityId,
        USER_ID: options.userId,
        TTL_MS: String(options.ttlMs),
        MODE: options.mode,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new LockHolderProcess(child);
  }

  /** The next line with this event (already received or still to come). */
  next(event: string, timeoutMs = 20_000): Promise<HolderLine> {
    const index = this.#lines.findIndex((line) => line.event === event);
    if (index >= 0) return Promise.resolve(this.#lines.splice(index, 1)[0] as HolderLine);
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no '${event}' from the lock holder within ${timeoutMs} ms; stderr:\n${this.#stderr}`)),
        timeoutMs,
      );
      this.#waiters.push({
        event,
        resolve: (line) => {
          clearTimeout(timer);
          resolvePromise(line);
        },
      });
    });
  }

  /** Sends a command and waits for its answer. */
  async ask(command: string, event = command.split(' ')[0] as string): Promise<HolderLine> {
    const answer = this.next(event);
    this.child.stdin?.write(`${command}\n`);
    return answer;
  }

  send(command: string): void {
    this.child.stdin?.write(`${command}\n`);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolvePromise) => this.child.once('exit', resolvePromise));
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    await exited;
  }
}
