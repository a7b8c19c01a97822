import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { fromDist } from '../support/dist.js';
import { DATABASE_URL, dropSchema, round, uniqueName } from '../support/services.js';

export interface LedgerCeilingOptions {
  /** Concurrent clients calling the function. */
  readonly clients: readonly number[];
  /** Slot counts of the one pool: 1 is the single row every issuance used to wait on. */
  readonly shards: readonly number[];
  readonly seconds: number;
}

export interface LedgerCeilingRun {
  readonly shards: number;
  readonly clients: number;
  readonly tps: number;
  readonly latencyMs: number;
  /** 1-minute load average when the run ended: the machine is shared. */
  readonly load: number;
}

export interface LedgerCeilingResult {
  readonly runs: readonly LedgerCeilingRun[];
  /** The best tps of the sharded pool over the client counts: what HTTP issuance is compared with. */
  readonly shardedBestTps: number;
  /** Stock taken minus assets written over every run: 0 or the ledger is wrong. */
  readonly takenMinusAssets: number;
  readonly function: string;
}

/**
 * The rights ledger's ceiling on one hot pool, without HTTP, Node or Redis: `pgbench` calls
 * `issue_next_asset` (the one call a click costs) for a new user each time, at several client
 * counts, on a pool of one slot and on a sharded pool. Skipped when `pgbench` is not installed.
 */
export async function benchLedgerCeiling(options: LedgerCeilingOptions): Promise<LedgerCeilingResult | { skipped: string }> {
  if (spawnSync('pgbench', ['--version']).error) return { skipped: 'pgbench is not installed (apt-get install postgresql-client)' };
  const { createPostgresAdapters } = await fromDist<typeof import('../../src/infra/postgres/postgres-adapters.js')>(
    'infra/postgres/postgres-adapters.js',
  );
  const schema = uniqueName('ledger');
  const script = join(mkdtempSync(join(tmpdir(), 'sc-pgbench-')), 'issue.sql');
  // A new user per call: every call is a first issuance that writes an asset and takes a unit.
  writeFileSync(
    script,
    [
      '\\set u random(1, 2000000000)',
      "SELECT r_outcome FROM issue_next_asset('act-bench', 'u' || :client_id || '-' || :u, :pool, 1, now(), now() + interval '1 day', 'e' || :u);",
      '',
    ].join('\n'),
  );
  const adapters = await createPostgresAdapters({ url: DATABASE_URL, schema, migrate: true, poolSize: 2 });
  const runs: LedgerCeilingRun[] = [];
  try {
    await adapters.migrate();
    for (const shards of options.shards) {
      const pool = `hot-${shards}`;
      await adapters.ledger.ensurePool(pool, 100_000_000, shards);
      for (const clients of options.clients) {
        const { tps, latencyMs } = await pgbench(schema, script, pool, clients, options.seconds);
        runs.push({ shards, clients, tps: round(tps), latencyMs: round(latencyMs, 2), load: round(loadavg()[0] ?? 0, 2) });
      }
    }
    const takenMinusAssets = await ledgerBalance(schema);
    const sharded = runs.filter((run) => run.shards > 1);
    return {
      runs,
      shardedBestTps: Math.max(0, ...sharded.map((run) => run.tps)),
      takenMinusAssets,
      function: 'issue_next_asset (migration 004)',
    };
  } finally {
    await adapters.close();
    await dropSchema(schema).catch(() => undefined);
  }
}

function pgbench(
  schema: string,
  script: string,
  pool: string,
  clients: number,
  seconds: number,
): Promise<{ tps: number; latencyMs: number }> {
  const url = new URL(DATABASE_URL);
  const args = [
    ...['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres')],
    ...['-n', '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds)],
    ...['-D', `pool='${pool}'`, '-f', script, url.pathname.slice(1) || 'postgres'],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('pgbench', args, {
      env: {
        ...process.env,
        PGOPTIONS: `-c search_path=${schema}`,
        ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    // 'close', not 'exit': the summary is the last thing written, and must be read to the end.
    child.once('close', (code) => {
      const tps = /tps = ([\d.]+)/.exec(output)?.[1];
      const latency = /latency average = ([\d.]+) ms/.exec(output)?.[1];
      if (code !== 0 || tps === undefined) reject(new Error(`pgbench exited ${code}: ${output.slice(-500)}`));
      else resolve({ tps: Number(tps), latencyMs: Number(latency ?? Number.NaN) });
    });
  });
}

/** Σ over pools of (total − Σ slots − assets): stock taken that no asset accounts for, or the reverse. */
async function ledgerBalance(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const s = pg.escapeIdentifier(schema);
    const { rows } = await client.query<{ off: number }>(
      `SELECT coalesce(sum(abs(p.total - (SELECT coalesce(sum(remaining), 0) FROM ${s}.benefit_pool_slots WHERE pool = p.id)
                              - (SELECT count(*) FROM ${s}.assets WHERE pool = p.id))), 0)::int AS off
       FROM ${s}.benefit_pools p`,
    );
    return rows[0]?.off ?? 0;
  } finally {
    await client.end();
  }
}
