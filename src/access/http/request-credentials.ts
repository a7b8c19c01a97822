import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../auth/request-authenticator.js';
import { sha256Hex } from '../auth/request-signature.js';
import type { Scope } from '../auth/scopes.js';
import type { SignedRequest } from '../auth/verify-signed-request.js';

/** The scope a route needs: fixed, or derived from its path parameters (`events:<channelCode>`). */
export type RouteScope = Scope | ((params: Readonly<Record<string, string>>) => Scope);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every route of the client scope names the scope it needs; one that does not fails at start. */
    scope?: RouteScope;
    /** The client's per-user rate limit applies (events: one user's clicks). */
    limitPerUser?: boolean;
  }
  interface FastifyRequest {
    /** Who the request proved to be, once the scope's hook has run. */
    caller?: Caller;
    /** Hex SHA-256 of the raw body, computed as it streams in (only while auth is on). */
    bodySha256?: string;
  }
}

const EMPTY_BODY_SHA256 = sha256Hex('');

/**
 * A `preParsing` hook: hashes the body as fastify reads it, so the signature covers the exact bytes
 * sent (whatever the content type) without buffering a second copy.
 */
export async function hashBodyAsItArrives(
  request: FastifyRequest,
  _reply: unknown,
  payload: NodeJS.ReadableStream,
): Promise<NodeJS.ReadableStream> {
  const hash = createHash('sha256');
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      request.bodySha256 = hash.digest('hex');
      done();
    },
  });
  payload.on('error', (error) => tee.destroy(error));
  return payload.pipe(tee);
}

/** What the authenticator needs of a fastify request. */
export function signedRequestOf(request: FastifyRequest): SignedRequest {
  return {
    headers: request.headers,
    method: request.method,
    pathWithQuery: request.url,
    bodySha256: request.bodySha256 ?? EMPTY_BODY_SHA256,
  };
}

export function resolveScope(scope: RouteScope, params: unknown): Scope {
  return typeof scope === 'function' ? scope((params ?? {}) as Record<string, string>) : scope;
}
