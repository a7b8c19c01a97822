import { createHash, timingSafeEqual } from 'node:crypto';
import { ForbiddenScopeError, UnauthorizedError } from '../../domain/errors.js';
import type { NonceStore } from '../../domain/ports/nonce-store.js';
import type { ApiClient, ApiClients } from './api-clients.js';
import { grants, type Scope } from './scopes.js';
import { type SignedRequest, verifySignedRequest } from './verify-signed-request.js';

export type AuthMode = 'on' | 'off';

export interface AuthenticatorOptions {
  /** `on`: every non-public route needs a signed request (or an admin token on admin routes). */
  readonly mode: AuthMode;
  readonly clients: ApiClients;
  readonly nonces: NonceStore;
  /** Bearer token for every admin act (and Prometheus). */
  readonly adminToken?: string;
  /** Bearer token for admin reads only. */
  readonly adminReadToken?: string;
  readonly now?: () => number;
}

/** Who a request proved to be; its `id` is what the change log records as the actor. */
export type Caller =
  | { readonly kind: 'client'; readonly id: string; readonly client: ApiClient }
  | { readonly kind: 'token'; readonly id: 'admin-token' | 'admin-read-token' }
  | { readonly kind: 'open'; readonly id: 'open' };

const OPEN: Caller = { kind: 'open', id: 'open' };

const READ_TOKEN_SCOPES: ReadonlySet<Scope> = new Set<Scope>(['admin:read', 'users:read', 'traces:read']);

/**
 * The front door's decisions, free of HTTP: which caller a request proves to be, and whether it
 * holds the scope it needs. Routes say which scope they need; the hooks of the client and admin
 * scopes (access/http) call this once per request.
 */
export class RequestAuthenticator {
  readonly mode: AuthMode;
  readonly #options: AuthenticatorOptions;
  readonly #now: () => number;
  readonly #adminToken: Buffer | undefined;
  readonly #adminReadToken: Buffer | undefined;

  constructor(options: AuthenticatorOptions) {
    this.mode = options.mode;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#adminToken = options.adminToken === undefined ? undefined : digest(options.adminToken);
    this.#adminReadToken = options.adminReadToken === undefined ? undefined : digest(options.adminReadToken);
  }

  get clients(): ApiClients {
    return this.#options.clients;
  }

  /** Whether operators must present a bearer token (the console's sign-in says which). */
  get hasAdminTokens(): boolean {
    return this.#adminToken !== undefined || this.#adminReadToken !== undefined;
  }

  /** A client route: open when auth is off, else a signed request whose client holds `needed`. */
  async client(request: SignedRequest, needed: Scope): Promise<Caller> {
    if (this.mode === 'off') return OPEN;
    // Operators (and the console) carry a bearer token: the admin token may do anything a client
    // may, the read token may read what clients read.
    if (request.headers.authorization !== undefined && request.headers['x-sc-signature'] === undefined) {
      return this.#token(request, needed);
    }
    const client = await this.#verify(request);
    if (!grants(client.scopes, needed)) throw new ForbiddenScopeError(client.id, needed);
    return { kind: 'client', id: client.id, client };
  }

  /**
   * An admin route: a bearer token (the read token only for `admin:read`), or, with auth on, a
   * signed request of a client holding the scope. With auth off and no token configured the admin
   * routes are open, as on the embedded default.
   */
  async admin(request: SignedRequest, needed: 'admin:read' | 'admin:write'): Promise<Caller> {
    if (request.headers.authorization !== undefined) return this.#token(request, needed);
    if (this.mode === 'on' && request.headers['x-sc-signature'] !== undefined) {
      const client = await this.#verify(request);
      if (!grants(client.scopes, needed)) throw new ForbiddenScopeError(client.id, needed);
      return { kind: 'client', id: client.id, client };
    }
    if (this.mode === 'off' && this.#adminToken === undefined && this.#adminReadToken === undefined) return OPEN;
    throw new UnauthorizedError(
      this.mode === 'on' ? 'a bearer admin token or a signed request is required' : 'a valid bearer token is required',
    );
  }

  /** A bearer token: the admin token grants every scope, the read token only the read scopes. */
  #token(request: SignedRequest, needed: Scope): Caller {
    const presented = digest(bearerToken(request.headers.authorization) ?? '');
    if (this.#adminToken && timingSafeEqual(presented, this.#adminToken)) return { kind: 'token', id: 'admin-token' };
    if (this.#adminReadToken && timingSafeEqual(presented, this.#adminReadToken)) {
      if (READ_TOKEN_SCOPES.has(needed)) return { kind: 'token', id: 'admin-read-token' };
      throw new ForbiddenScopeError('admin-read-token', needed);
    }
    throw new UnauthorizedError('the bearer token is not valid');
  }

  #verify(request: SignedRequest): Promise<ApiClient> {
    return verifySignedRequest(request, { clients: this.#options.clients, nonces: this.#options.nonces, nowMs: this.#now() });
  }
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(value.trim());
  return match?.[1] ?? '';
}

/** Tokens are compared as digests, so the comparison takes the same time whatever their lengths. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
