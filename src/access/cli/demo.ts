import type { FastifyInstance } from 'fastify';
import type { App } from '../../app/app-options.js';
import type { InProcessBroker } from '../../infra/memory/in-process-broker.js';
import { formatTable } from './format-table.js';

interface OutcomeView {
  activityId: string;
  status: string;
  reason?: string;
  asset?: { id: string; status: string; idempotencyKey: string };
  output?: { title?: string };
}

/**
 * A scripted run of the sample play through the HTTP API, in-process: users browse, click, retry,
 * redeem and click again. Prints each step's outcome, and one full trace.
 */
export async function runDemo(app: App, http: FastifyInstance, print: (line: string) => void): Promise<void> {
  const rows: unknown[][] = [];
  const send = async (label: string, method: 'POST' | 'GET', url: string, payload?: unknown) => {
    const response = await http.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { label, status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  const click = async (label: string, userId: string, eventId: string) => {
    const result = await send(label, 'POST', '/v1/channels/home_banner/events', { userId, eventId });
    for (const outcome of (result.body.outcomes as OutcomeView[]) ?? []) {
      rows.push([label, userId, outcome.status, outcome.asset?.id.slice(0, 8), outcome.output?.title ?? outcome.reason]);
    }
    return result;
  };
  const browse = async (userId: string, items: string[]) => {
    const fired: string[] = [];
    for (const [i, itemId] of items.entries()) {
      const result = await send('browse', 'POST', '/v1/behaviors', { userId, type: 'item_view', itemId, eventId: `${userId}-view-${i}` });
      fired.push(...((result.body.fired as string[]) ?? []));
    }
    await (app.broker as InProcessBroker).drained?.();
    rows.push([
      `browse ${items.length} items`,
      userId,
      fired.length > 0 ? `rule fired: ${fired.join(', ')}` : 'no rule fired',
      '',
      items.join(', '),
    ]);
  };

  print('strategy-center demo: the sample play "Browse three items, get 10% off one of them" on the embedded defaults\n');
  await click('click before browsing', 'alice', 'alice-click-0');
  await browse('alice', ['sku-004', 'sku-002', 'sku-004']);
  const first = await click('click the home banner', 'alice', 'alice-click-1');
  await click('retry the same click', 'alice', 'alice-click-1');
  await click('click again', 'alice', 'alice-click-2');
  const assetId = ((first.body.outcomes as OutcomeView[])[0]?.asset?.id ?? '') as string;
  const redeemed = await send('redeem', 'POST', `/v1/assets/${assetId}/redeem`);
  rows.push(['redeem the coupon', 'alice', redeemed.body.status ?? redeemed.body.error, assetId.slice(0, 8), '']);
  await click('click after redeeming', 'alice', 'alice-click-3');
  await browse('bob', ['sku-020', 'sku-021']);
  await click('click with 2 views only', 'bob', 'bob-click-1');

  print(formatTable(['step', 'user', 'status', 'asset', 'offer or reason'], rows));
  const trace = await send('trace', 'GET', '/v1/events/alice-click-1/trace');
  const chains = (trace.body.chains as { activityId: string; template: string; status: string; steps: Record<string, unknown>[] }[]) ?? [];
  for (const chain of chains.slice(0, 1)) {
    print(`\ntrace of event alice-click-1 on ${chain.activityId} (${chain.template}): ${chain.status}`);
    print(
      formatTable(
        ['processor', 'status', 'ms', 'reason / error'],
        chain.steps.map((step) => [
          step.processor,
          step.status,
          step.durationMs,
          step.reason ?? (step.error as { message?: string })?.message,
        ]),
      ),
    );
  }
  const stock = await app.ledger.stock('coupon-10off');
  print(`\npool coupon-10off: ${stock?.remaining} of ${stock?.total} left. Start the API with \`npm start\` to try it yourself.`);
}
