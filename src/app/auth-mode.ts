import type { AuthMode } from '../access/auth/request-authenticator.js';
import { InvalidConfigError } from '../domain/errors.js';
import type { Settings } from './settings.js';

/** `AUTH` wins over the file's `auth`; neither set means off. */
export function authModeOf(settings: Settings, configured: AuthMode | undefined): AuthMode {
  return settings.auth ?? configured ?? 'off';
}

/**
 * An open API is only safe where nobody else can reach it: the embedded default on loopback. A
 * server that keeps real records (DATABASE_URL) or listens beyond loopback refuses to start open
 * unless the operator wrote `AUTH=off` on purpose.
 */
export function assertSafeToServe(mode: AuthMode, settings: Settings, host: string): void {
  if (mode === 'on' || settings.auth === 'off') return;
  const reasons = [
    ...(settings.databaseUrl ? ['DATABASE_URL is set'] : []),
    ...(isLoopback(host) ? [] : [`it listens on ${host}, beyond loopback`]),
  ];
  if (reasons.length === 0) return;
  throw new InvalidConfigError([
    {
      path: 'AUTH',
      message: `the API would be open to anyone (${reasons.join(' and ')}): set \`auth: on\` with clients in the config file, or AUTH=off to run it open on purpose`,
    },
  ]);
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
