import { describe, expect, it } from 'vitest';
import type { Activity } from '../../src/domain/activity.js';
import type { InstanceContext } from '../../src/domain/instance-context.js';
import type { Processor } from '../../src/domain/processor.js';
import { declaredTemplate, type StrategyTemplate } from '../../src/domain/strategy-template.js';
import { MemoryActivityRepository } from '../../src/infra/memory/memory-activity-repository.js';
import { MemoryInstanceStore } from '../../src/infra/memory/memory-instance-store.js';
import { MemoryLockStore } from '../../src/infra/memory/memory-lock-store.js';
import { MemoryTraceStore } from '../../src/infra/memory/memory-trace-store.js';
import { Dispatcher } from '../../src/service/dispatcher.js';
import { InstanceLocks } from '../../src/service/instance-lock.js';
import { ProcessorRegistry } from '../../src/service/processor-registry.js';
import { TemplateRegistry } from '../../src/service/template-registry.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');

function activity(overrides: Partial<Activity> = {}): Activity {
  return {
    id: 'act-1',
    name: 'test',
    template: { id: 'play', version: '1.0' },
    channels: ['ch'],
    window: { startMs: Date.parse('2026-01-01T00:00:00Z'), endMs: Date.parse('2027-01-01T00:00:00Z') },
    status: 'active',
    rules: [],
    benefit: { pool: 'p', stock: 10, perUser: 1, validForMs: 1000 },
    preparedTtlMs: 1000,
    params: {},
    ...overrides,
  };
}

const step = (name: string, run: (ctx: InstanceContext) => void | Promise<void>, applies = true): Processor => ({
  name,
  validate: () => applies,
  async process(ctx) {
    await run(ctx);
  },
});

function dispatcher(options: {
  activities: Activity[];
  processors: Processor[];
  templates?: StrategyTemplate[];
  lockStore?: MemoryLockStore;
  /** How long a chain waits for a busy instance lock; 200 ms unless a test needs its waiters never to give up. */
  lockWaitMs?: number;
}) {
  const traces = new MemoryTraceStore();
  const lockStore = options.lockStore ?? new MemoryLockStore();
  const templates = options.templates ?? [
    declaredTemplate({ id: 'play', version: '1.0', lock: false, chains: { ch: options.processors.map((p) => p.name) } }),
  ];
  return {
    traces,
    dispatcher: new Dispatcher({
      activities: new MemoryActivityRepository(options.activities),
      templates: new TemplateRegistry(templates),
      processors: new ProcessorRegistry(options.processors),
      locks: new InstanceLocks(lockStore, { ttlMs: 1000, waitMs: options.lockWaitMs ?? 200 }),
      instances: new MemoryInstanceStore(),
      traces,
      clock: { nowMs: () => NOW },
    }),
  };
}

describe('Dispatcher', () => {
  it('runs the chain in order; validate false skips a node and the chain goes on', async () => {
    const seen: string[] = [];
    const { dispatcher: d, traces } = dispatcher({
      activities: [activity()],
      processors: [
        step('a', () => void seen.push('a')),
        step('b', () => void seen.push('b'), false),
        step('c', (ctx) => {
          seen.push('c');
          ctx.settle('prepared');
        }),
      ],
    });
    const result = await d.dispatch({ channelCode: 'ch', userId: 'u', eventId: 'e1' });
    expect(seen).toEqual(['a', 'c']);
    expect(result.outcomes).toEqual([{ activityId: 'act-1', template: 'play@1.0', status: 'prepared' }]);
    const [trace] = await traces.byEvent('e1');
    expect(trace?.steps.map((s) => `${s.processor}:${s.status}`)).toEqual(['a:ran', 'b:skipped', 'c:ran']);
    expect(trace?.steps.every((s) => s.durationMs >= 0)).toBe(true);
  });

  it('ctx.stop ends the chain with the status and reason', async () => {
    const seen: string[] = [];
    const { dispatcher: d, traces } = dispatcher({
      activities: [activity()],
      processors: [step('a', (ctx) => ctx.stop('rejected', 'not today')), step('b', () => void seen.push('b'))],
    });
    const result = await d.dispatch({ channelCode: 'ch', userId: 'u', eventId: 'e2' });
    expect(result.outcomes[0]).toMatchObject({ status: 'rejected', reason: 'not today' });
    expect(seen).toEqual([]);
    expect((await traces.byEvent('e2'))[0]?.steps).toMatchObject([{ processor: 'a', status: 'stopped', reason: 'not today' }]);
  });

  it("one activity's failure never stops the others, and the failure is traced", async () => {
    const { dispatcher: d, traces } = dispatcher({
      activities: [activity({ id: 'bad', params: { explode: true } }), activity({ id: 'good' })],
      processors: [
        step('maybe-explode', (ctx) => {
          if (ctx.activity.params.explode) throw new Error('catalog timed out');
        }),
        step('finish', (ctx) => ctx.settle('prepared')),
      ],
    });
    const result = await d.dispatch({ channelCode: 'ch', userId: 'u', eventId: 'e3' });
    const byId = Object.fromEntries(result.outcomes.map((o) => [o.activityId, o]));
    expect(byId.bad).toMatchObject({ status: 'failed', reason: 'maybe-explode: catalog timed out' });
    expect(byId.good).toMatchObject({ status: 'prepared' });
    const failed = (await traces.byEvent('e3')).find((t) => t.activityId === 'bad');
    expect(failed?.steps[0]).toMatchObject({ status: 'failed', error: { code: 'internal', message: 'catalog timed out' } });
  });

  it('only live activities bound to the channel run', async () => {
    const { dispatcher: d } = dispatcher({
      activities: [
        activity({ id: 'live' }),
        activity({ id: 'paused', status: 'paused' }),
        activity({ id: 'future', window: { startMs: NOW + 1, endMs: NOW + 1000 } }),
        activity({ id: 'over', window: { startMs: 0, endMs: NOW } }),
        activity({ id: 'elsewhere', channels: ['other'] }),
      ],
      processors: [step('ok', (ctx) => ctx.settle('prepared'))],
    });
    const result = await d.dispatch({ channelCode: 'ch', userId: 'u' });
    expect(result.outcomes.map((o) => o.activityId)).toEqual(['live']);
    expect(result.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a chain that sets no outcome is skipped; a missing processor or template fails with a reason', async () => {
    const { dispatcher: d } = dispatcher({
      activities: [activity({ id: 'quiet' }), activity({ id: 'orphan', template: { id: 'ghost', version: '1' } })],
      processors: [step('noop', () => {})],
    });
    const result = await d.dispatch({ channelCode: 'ch', userId: 'u' });
    const byId = Object.fromEntries(result.outcomes.map((o) => [o.activityId, o]));
    expect(byId.quiet).toMatchObject({ status: 'skipped', reason: 'no processor produced an outcome' });
    expect(byId.orphan).toMatchObject({ status: 'failed', reason: "template 'ghost@1' is not registered" });
  });

  it('locks the instance when the template asks, and hands the fence to the chain', async () => {
    const fences: number[] = [];
    let inside = 0;
    let overlap = false;
    const slow = step('slow', async (ctx) => {
      inside += 1;
      if (inside > 1) overlap = true;
      fences.push(ctx.lease?.fence ?? -1);
      await new Promise((r) => setTimeout(r, 5));
      inside -= 1;
      ctx.settle('prepared');
    });
    const locked = declaredTemplate({ id: 'play', version: '1.0', lock: true, chains: { ch: ['slow'] } });
    // Twenty chains queue on one lock: none may give up waiting, however slow the machine is.
    const { dispatcher: d } = dispatcher({ activities: [activity()], processors: [slow], templates: [locked], lockWaitMs: 60_000 });
    await Promise.all(Array.from({ length: 20 }, () => d.dispatch({ channelCode: 'ch', userId: 'u' })));
    expect(overlap).toBe(false);
    expect(fences).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('a request can ask for the lock even when the template does not', async () => {
    let lease: unknown;
    const { dispatcher: d } = dispatcher({
      activities: [activity()],
      processors: [
        step('look', (ctx) => {
          lease = ctx.lease;
        }),
      ],
    });
    await d.dispatch({ channelCode: 'ch', userId: 'u' });
    expect(lease).toBeUndefined();
    await d.dispatch({ channelCode: 'ch', userId: 'u', lock: true });
    expect(lease).toMatchObject({ fence: 1 });
  });

  it('a busy lock fails the instance after the wait, and the lock is released after every chain', async () => {
    const lockStore = new MemoryLockStore();
    await lockStore.tryAcquire(InstanceLocks.keyOf({ activityId: 'act-1', userId: 'u' }), 'someone-else', 10_000);
    const { dispatcher: d } = dispatcher({ activities: [activity({ lock: true })], processors: [step('x', () => {})], lockStore });
    const result = await d.dispatch({ channelCode: 'ch', userId: 'u' });
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', reason: 'instance lock stayed busy; try again' });
    const free = await d.dispatch({ channelCode: 'ch', userId: 'other' });
    expect(free.outcomes[0]?.status).toBe('skipped');
    expect(await lockStore.tryAcquire(InstanceLocks.keyOf({ activityId: 'act-1', userId: 'other' }), 'me', 100)).toBe(2);
  });

  it('waiting behind a slow chain of this process counts against the lock wait', async () => {
    // The first chain holds the lock until the test lets it go: no bet on how long it takes to start or to run.
    let inChain!: () => void;
    const chainStarted = new Promise<void>((resolve) => {
      inChain = resolve;
    });
    let letGo!: () => void;
    const released = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    const slow = step('slow', async (ctx) => {
      inChain();
      await released;
      ctx.settle('prepared');
    });
    const locked = declaredTemplate({ id: 'play', version: '1.0', lock: true, chains: { ch: ['slow'] } });
    const { dispatcher: d } = dispatcher({ activities: [activity()], processors: [slow], templates: [locked] });
    const first = d.dispatch({ channelCode: 'ch', userId: 'u' });
    await chainStarted;
    const started = Date.now();
    const second = await d.dispatch({ channelCode: 'ch', userId: 'u' });
    expect(second.outcomes[0]).toMatchObject({ status: 'failed', reason: 'instance lock stayed busy; try again' });
    expect(Date.now() - started).toBeLessThan(600);
    letGo();
    expect((await first).outcomes[0]?.status).toBe('prepared');
    expect((await d.dispatch({ channelCode: 'ch', userId: 'u' })).outcomes[0]?.status).toBe('prepared');
  });

  it('a TypeScript template builds typed extensions that its processors read', async () => {
    interface Budget {
      budget: { centsLeft: number };
    }
    const template: StrategyTemplate<Budget> = {
      id: 'budgeted',
      version: '1.0',
      lock: false,
      channels: ['ch'],
      chainFor: (channel) => (channel === 'ch' ? ['spend'] : []),
      createExtensions: (act) => ({ budget: { centsLeft: Number(act.params.budgetCents) } }),
    };
    const spend: Processor<Budget> = {
      name: 'spend',
      validate: (ctx) => ctx.ext.budget.centsLeft > 0,
      async process(ctx) {
        ctx.output = { spent: ctx.ext.budget.centsLeft };
        ctx.settle('prepared');
      },
    };
    const { dispatcher: d } = dispatcher({
      activities: [activity({ template: { id: 'budgeted', version: '1.0' }, params: { budgetCents: 250 } })],
      processors: [spend as Processor],
      templates: [template as StrategyTemplate],
    });
    const result = await d.dispatch({ channelCode: 'ch', userId: 'u' });
    expect(result.outcomes[0]).toMatchObject({ template: 'budgeted@1.0', status: 'prepared', output: { spent: 250 } });
  });
});

describe('TemplateRegistry', () => {
  it('refuses to change a published version', () => {
    const registry = new TemplateRegistry([declaredTemplate({ id: 't', version: '1', lock: false, chains: { a: ['x'] } })]);
    expect(() => registry.register(declaredTemplate({ id: 't', version: '1', lock: false, chains: { a: ['y'] } }))).toThrow(
      /already published/,
    );
  });
});
