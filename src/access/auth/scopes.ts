/**
 * What a client may do. `events:<channelCode>` (or `events:*`) sends resource-position events on a
 * channel; the others each open one group of routes. `admin:write` includes `admin:read`.
 */
export const FIXED_SCOPES = ['behaviors:write', 'users:read', 'assets:redeem', 'traces:read', 'admin:read', 'admin:write'] as const;

export type FixedScope = (typeof FIXED_SCOPES)[number];
export type Scope = FixedScope | `events:${string}`;

const CHANNEL_SCOPE = /^events:(\*|[A-Za-z0-9][A-Za-z0-9._:-]*)$/;

export function isScope(text: string): text is Scope {
  return (FIXED_SCOPES as readonly string[]).includes(text) || CHANNEL_SCOPE.test(text);
}

export function eventsScope(channelCode: string): Scope {
  return `events:${channelCode}`;
}

/** Whether scopes `granted` allow what `needed` names. */
export function grants(granted: ReadonlySet<string>, needed: Scope): boolean {
  if (granted.has(needed)) return true;
  if (needed.startsWith('events:')) return granted.has('events:*');
  return needed === 'admin:read' && granted.has('admin:write');
}
