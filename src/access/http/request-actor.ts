import type { FastifyRequest } from 'fastify';

/**
 * Who made an admin change, for the change log: the authenticated client or token name. Only an
 * open server (no token, auth off) takes the caller's word from the `x-actor` header.
 */
export function requestActor(request: FastifyRequest): string {
  const caller = request.caller;
  if (caller && caller.kind !== 'open') return caller.kind === 'client' ? `client:${caller.id}` : caller.id;
  const header = request.headers['x-actor'];
  const actor = (Array.isArray(header) ? header[0] : header)?.trim();
  return actor ? actor.slice(0, 200) : 'admin-api';
}
