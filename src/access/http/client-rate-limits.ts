import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../../domain/errors.js';
import type { ApiClient, RequestBudget } from '../auth/api-clients.js';

/** Where the counters live: one Redis for every API process when there is one, else this process. */
export interface RateLimitStore {
  /** An ioredis client; absent on the embedded default. */
  readonly redis?: unknown;
  /** Key prefix of the counters in Redis. */
  readonly nameSpace: string;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * Registers @fastify/rate-limit on `scope` (no global limit: only what a client's `rateLimit`
 * says) and returns the check the client hook runs once the caller is known: the client's budget
 * in all, and on events also per user of that client. Counters are shared through Redis, so the
 * limit holds across API processes. A Redis fault lets the request through (the limit is a guard
 * rail, never the reason a campaign stops answering).
 */
export async function registerClientRateLimits(
  scope: FastifyInstance,
  store: RateLimitStore,
): Promise<(request: FastifyRequest, client: ApiClient, userId: string | undefined) => Promise<void>> {
  await scope.register(fastifyRateLimit, {
    global: false,
    skipOnError: true,
    nameSpace: store.nameSpace,
    ...(store.redis === undefined ? {} : { redis: store.redis }),
  });
  // One limiter per client and budget: a changed budget starts a limiter (and a count) of its own.
  const limiters = new Map<string, Limiter>();
  const limiter = (name: string, budget: RequestBudget, key: (request: FastifyRequest) => string): Limiter => {
    const id = `${name}|${budget.max}|${budget.withinMs}`;
    let found = limiters.get(id);
    if (!found) {
      found = scope.createRateLimit({ max: budget.max, timeWindow: budget.withinMs, keyGenerator: key });
      limiters.set(id, found);
    }
    return found;
  };
  const enforce = async (check: Limiter, request: FastifyRequest, what: string, budget: RequestBudget) => {
    const verdict = await check(request);
    if (!verdict.isAllowed && verdict.isExceeded)
      throw new RateLimitedError(what, budget.max, budget.withinMs, Math.max(1, verdict.ttlInSeconds));
  };

  return async (request, client, userId) => {
    const budget = client.rateLimit;
    if (!budget) return;
    await enforce(
      limiter(`client:${client.id}`, budget, () => `client:${client.id}`),
      request,
      `client '${client.id}'`,
      budget,
    );
    if (budget.perUser && userId !== undefined) {
      const perUser = budget.perUser;
      const key = (r: FastifyRequest) => `client:${client.id}:user:${userOf(r) ?? ''}`;
      await enforce(limiter(`client-user:${client.id}`, perUser, key), request, `client '${client.id}' for user '${userId}'`, perUser);
    }
  };
}

/** The user a request acts for, where its body names one (events and behaviors). */
export function userOf(request: FastifyRequest): string | undefined {
  const body = request.body as { userId?: unknown } | undefined;
  return typeof body?.userId === 'string' ? body.userId : undefined;
}
