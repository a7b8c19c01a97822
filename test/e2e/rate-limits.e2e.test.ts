import { afterAll, describe, expect, it } from 'vitest';
import { sampleConfigFile } from '../support/sample-app.js';
import { REDIS_URL, uniqueName } from '../support/services.js';
import { type ClientCredentials, signedRequest } from '../support/signed-client.js';
import { type ChildServer, spawnServer } from '../support/spawn-server.js';

const SECRET = 'limited-secret-0123456789';
const CLIENT: ClientCredentials = { clientId: 'limited', secret: SECRET };
const servers: ChildServer[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

describe('client rate limits on one Redis', () => {
  it('hold across two API processes, per client and per client and user on events', async () => {
    const configPath = sampleConfigFile((config) => {
      Object.assign(config, {
        auth: 'on',
        clients: [
          {
            id: 'limited',
            secretEnv: 'LIMITED_SECRET',
            scopes: ['events:*', 'users:read'],
            rateLimit: { max: 10, within: '1m', perUser: { max: 3, within: '1m' } },
          },
        ],
      });
    });
    const env = { REDIS_URL, NAMESPACE: uniqueName('ratelimit'), LIMITED_SECRET: SECRET, AUTH: 'on' };
    servers.push(await spawnServer(configPath, env), await spawnServer(configPath, env));
    const [a, b] = servers as [ChildServer, ChildServer];

    // Five clicks of one user: three within the per-user budget, then 429 (the client budget still has room).
    const clicks = [];
    for (let i = 0; i < 5; i++)
      clicks.push(await signedRequest((i % 2 ? a : b).url, CLIENT, 'POST', '/v1/channels/home_banner/events', { userId: 'u-hot' }));
    expect(clicks.map((click) => click.status)).toEqual([200, 200, 200, 429, 429]);
    expect(clicks[3]?.body.error).toMatchObject({ code: 'rate_limited', details: [{ path: 'rateLimit' }] });
    expect(Number(clicks[3]?.headers.get('retry-after'))).toBeGreaterThan(0);

    // Five counted so far (429s count too); five more reads over both processes fill the budget of 10.
    const reads = await Promise.all(
      Array.from({ length: 8 }, (_, i) => signedRequest((i % 2 ? a : b).url, CLIENT, 'GET', '/v1/activities/act-1001/users/u1')),
    );
    expect(reads.filter((read) => read.status === 200)).toHaveLength(5);
    expect(reads.filter((read) => read.status === 429)).toHaveLength(3);
    for (const refused of reads.filter((read) => read.status === 429)) expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
