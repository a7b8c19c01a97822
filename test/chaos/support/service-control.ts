import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Stops and starts the real services on loopback, the way `.ci/run` starts them. Every restart
 * helper brings its service back even when stopping it failed half-way, and the suite's global
 * teardown starts anything still down: other test files (and other suites) need them.
 */

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, open: boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await portOpen(port)) !== open) {
    if (Date.now() > deadline) throw new Error(`port ${port} did not ${open ? 'open' : 'close'} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const REDIS_PORT = 6379;
const NATS_PORT = 4222;
const AMQP_PORT = 5672;

async function startRedis(): Promise<void> {
  await run('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '-::1',
    '--port',
    String(REDIS_PORT),
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  await waitForPort(REDIS_PORT, true, 10_000);
  // The port opens before the dataset is loaded; an empty one loads at once, PING says when.
  for (let i = 0; i < 100; i++) {
    const { stdout } = await run('redis-cli', ['-p', String(REDIS_PORT), 'ping']).catch(() => ({ stdout: '' }));
    if (stdout.trim() === 'PONG') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('redis did not answer PING after restarting');
}

async function startNats(): Promise<void> {
  await run('start-stop-daemon', [
    '--start',
    '--oknodo',
    '--background',
    '--exec',
    '/usr/sbin/nats-server',
    '--',
    '-a',
    '127.0.0.1',
    '-p',
    String(NATS_PORT),
    '-js',
    '-sd',
    '/var/lib/nats-server',
    '-l',
    '/var/log/nats-server.log',
  ]);
  await waitForPort(NATS_PORT, true, 20_000);
}

async function startRabbit(): Promise<void> {
  await run('rabbitmqctl', ['start_app'], { timeout: 60_000 });
  await waitForPort(AMQP_PORT, true, 60_000);
}

/** Redis without persistence, as on the development machines: every key is gone afterwards. Returns the downtime. */
export async function restartRedis(): Promise<number> {
  const stopped = Date.now();
  try {
    await run('redis-cli', ['-p', String(REDIS_PORT), 'shutdown', 'nosave']).catch(() => undefined);
    await waitForPort(REDIS_PORT, false, 10_000);
  } finally {
    await startRedis();
  }
  return Date.now() - stopped;
}

/** A graceful stop (SIGTERM flushes JetStream's file store) and a start on the same store directory. */
export async function restartNats(): Promise<number> {
  const stopped = Date.now();
  try {
    await run('start-stop-daemon', ['--stop', '--oknodo', '--retry', 'TERM/10/KILL/5', '--exec', '/usr/sbin/nats-server']);
    await waitForPort(NATS_PORT, false, 15_000);
  } finally {
    await startNats();
  }
  return Date.now() - stopped;
}

/** Stops and starts the RabbitMQ application (the Erlang node stays up); durable quorum queues survive. */
export async function restartRabbit(): Promise<number> {
  const stopped = Date.now();
  try {
    await run('rabbitmqctl', ['stop_app'], { timeout: 60_000 });
  } finally {
    await startRabbit();
  }
  return Date.now() - stopped;
}

/** Starts whatever a failed scenario left down. */
export async function ensureServicesUp(): Promise<string[]> {
  const started: string[] = [];
  if (!(await portOpen(REDIS_PORT))) {
    await startRedis();
    started.push('redis');
  }
  if (!(await portOpen(NATS_PORT))) {
    await startNats();
    started.push('nats');
  }
  if (!(await portOpen(AMQP_PORT))) {
    await startRabbit();
    started.push('rabbitmq');
  }
  return started;
}
