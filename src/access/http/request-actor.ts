import type { FastifyRequest } from 'fastify';

/** Who made an admin change: the `x-actor` header, else `admin-api`. */
export function requestActor(request: FastifyRequest): string {
  const header = request.headers['x-actor'];
  const actor = (Array.isArray(header) ? header[0] : header)?.trim();
  return actor ? actor.slice(0, 200) : 'admin-api';
}
