import type { ApiClient } from '../access/auth/api-clients.js';
import type { Scope } from '../access/auth/scopes.js';
import type { ClientDeclaration } from '../config/compile-config.js';
import { type ErrorDetail, InvalidConfigError } from '../domain/errors.js';
import type { StoredClient } from '../domain/ports/api-client-store.js';

/** Shorter secrets are guessable offline from one captured signature. */
export const MIN_SECRET_LENGTH = 16;

/**
 * The declared clients with their secrets read from the environment: one secret, or two separated
 * by a comma while a rotation is under way. Every problem is reported at once, naming the field and
 * the variable, never a secret.
 */
export function resolveClients(
  declarations: readonly ClientDeclaration[],
  secretFromEnvironment: (name: string) => string | undefined,
): ApiClient[] {
  const problems: ErrorDetail[] = [];
  const clients = declarations.map((declaration, i): ApiClient => {
    const path = `clients[${i}].secretEnv`;
    const value = secretFromEnvironment(declaration.secretEnv);
    const secrets = (value ?? '')
      .split(',')
      .map((secret) => secret.trim())
      .filter((secret) => secret !== '');
    if (value === undefined || secrets.length === 0) {
      problems.push({ path, message: `environment variable ${declaration.secretEnv} is not set (it holds the client's secret)` });
    } else if (secrets.length > 2) {
      problems.push({
        path,
        message: `${declaration.secretEnv} holds ${secrets.length} secrets; expected one, or two separated by a comma during a rotation`,
      });
    } else if (secrets.some((secret) => secret.length < MIN_SECRET_LENGTH)) {
      problems.push({ path, message: `a secret in ${declaration.secretEnv} is shorter than ${MIN_SECRET_LENGTH} characters` });
    }
    return {
      id: declaration.id,
      secrets,
      scopes: new Set(declaration.scopes),
      ...(declaration.rateLimit ? { rateLimit: declaration.rateLimit } : {}),
    };
  });
  if (problems.length > 0) throw new InvalidConfigError(problems);
  return clients;
}

/**
 * The clients declared through the admin API, ready to verify: their stored secrets, or the
 * variable they name read here. A client whose variable is not set in this process cannot be
 * verified here: it is left out and reported (by id and variable name, never a secret).
 */
export function resolveStoredClients(
  stored: readonly StoredClient[],
  secretFromEnvironment: (name: string) => string | undefined,
  onUnresolved: (clientId: string, secretEnv: string) => void,
): ApiClient[] {
  return stored.flatMap((client): ApiClient[] => {
    const secrets =
      client.secrets ??
      (secretFromEnvironment(client.secretEnv ?? '') ?? '')
        .split(',')
        .map((secret) => secret.trim())
        .filter((secret) => secret.length >= MIN_SECRET_LENGTH);
    if (secrets.length === 0) {
      onUnresolved(client.id, client.secretEnv ?? '');
      return [];
    }
    return [
      {
        id: client.id,
        secrets,
        scopes: new Set(client.scopes as Scope[]),
        ...(client.rateLimit ? { rateLimit: client.rateLimit } : {}),
      },
    ];
  });
}
