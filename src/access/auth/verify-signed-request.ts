import { AuthenticationError } from '../../domain/errors.js';
import type { NonceStore } from '../../domain/ports/nonce-store.js';
import type { ApiClient, ApiClients } from './api-clients.js';
import { parseSignatureHeader, signatureMatches } from './request-signature.js';

/** How far a request's timestamp may stray from the server's clock, either way. */
export const MAX_CLOCK_SKEW_S = 300;
/** A nonce is remembered while any request carrying it could still be accepted. */
export const NONCE_TTL_MS = 2 * MAX_CLOCK_SKEW_S * 1000;

const NONCE = /^[A-Za-z0-9_-]{8,128}$/;
const HEADER = {
  client: 'x-sc-client',
  timestamp: 'x-sc-timestamp',
  nonce: 'x-sc-nonce',
  signature: 'x-sc-signature',
} as const;

export interface SignedRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly method: string;
  readonly pathWithQuery: string;
  /** Hex SHA-256 of the raw body as received. */
  readonly bodySha256: string;
}

export interface VerificationDeps {
  readonly clients: ApiClients;
  readonly nonces: NonceStore;
  readonly nowMs: number;
}

/**
 * The client that signed `request`, or an AuthenticationError saying why it is refused. The
 * checks go from cheap to costly, and the nonce is claimed only once the signature holds, so a
 * forger can neither burn a real client's nonces nor make the server write for every guess.
 */
export async function verifySignedRequest(request: SignedRequest, deps: VerificationDeps): Promise<ApiClient> {
  const clientId = header(request, HEADER.client);
  const timestamp = header(request, HEADER.timestamp);
  const nonce = header(request, HEADER.nonce);
  const signature = header(request, HEADER.signature);
  const missing = Object.entries({
    [HEADER.client]: clientId,
    [HEADER.timestamp]: timestamp,
    [HEADER.nonce]: nonce,
    [HEADER.signature]: signature,
  })
    .filter(([, value]) => value === undefined)
    .map(([name]) => ({ path: `headers.${name}`, message: 'required' }));
  if (clientId === undefined || timestamp === undefined || nonce === undefined || signature === undefined) {
    throw new AuthenticationError(
      'missing_signature',
      'this request must be signed: send X-SC-Client, X-SC-Timestamp, X-SC-Nonce and X-SC-Signature',
      missing,
    );
  }

  const client = deps.clients.get(clientId);
  if (!client) {
    throw new AuthenticationError('unknown_client', `no client '${clientId}' is registered`, [
      { path: `headers.${HEADER.client}`, message: 'unknown client id' },
    ]);
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new AuthenticationError('missing_signature', 'X-SC-Timestamp must be the time of signing in unix seconds', [
      { path: `headers.${HEADER.timestamp}`, message: 'expected unix seconds' },
    ]);
  }
  const skewS = Math.abs(deps.nowMs / 1000 - Number(timestamp));
  if (skewS > MAX_CLOCK_SKEW_S) {
    throw new AuthenticationError(
      'expired',
      `the request was signed ${Math.round(skewS)} s away from the server's time; the limit is ${MAX_CLOCK_SKEW_S} s`,
      [{ path: `headers.${HEADER.timestamp}`, message: `more than ${MAX_CLOCK_SKEW_S} s from the server's clock` }],
    );
  }
  if (!NONCE.test(nonce)) {
    throw new AuthenticationError('missing_signature', 'X-SC-Nonce must be 8 to 128 letters, digits, _ or -', [
      { path: `headers.${HEADER.nonce}`, message: 'expected 8-128 characters of A-Z a-z 0-9 _ -' },
    ]);
  }
  const digests = parseSignatureHeader(signature);
  const parts = { timestamp, nonce, method: request.method, pathWithQuery: request.pathWithQuery, bodySha256: request.bodySha256 };
  if (!digests || !signatureMatches(client.secrets, parts, digests)) {
    throw new AuthenticationError('bad_signature', 'the signature does not match this request under any secret of the client', [
      { path: `headers.${HEADER.signature}`, message: 'expected v1=<hex HMAC-SHA256 of the signing string>' },
    ]);
  }
  if (!(await deps.nonces.claimOnce(client.id, nonce, NONCE_TTL_MS))) {
    throw new AuthenticationError('replayed', 'this nonce was already used: sign every request with a new nonce', [
      { path: `headers.${HEADER.nonce}`, message: 'already used' },
    ]);
  }
  return client;
}

function header(request: SignedRequest, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}
