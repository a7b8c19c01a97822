import { fromDist } from '../support/dist.js';

export interface AuthResult {
  /** µs per signed request verified: body digest, client lookup, timestamp, HMAC in constant time, nonce claim (memory). */
  readonly usPerVerification: number;
  /** µs per request signed by a client (what `strategy-center sign` and the test clients do). */
  readonly usPerSigning: number;
  readonly requests: number;
  readonly rounds: number;
}

const SECRET = 'bench-client-secret-0123456789';
const PATH = '/v1/channels/home_banner/events';

/**
 * What the front door costs a request, in-process and without I/O: the server's verification of a
 * signed click (a 100-byte JSON body, as the issuance bench sends) and a client's signing of it.
 * The nonce is claimed in the memory store; on Redis the claim is one more `SET NX PX`, pipelined
 * with the request's other commands. Best of `rounds`, one request after another.
 */
export async function benchAuth(options: { requests: number; rounds: number }): Promise<AuthResult> {
  const { ApiClients } = await fromDist<typeof import('../../src/access/auth/api-clients.js')>('access/auth/api-clients.js');
  const { sha256Hex } = await fromDist<typeof import('../../src/access/auth/request-signature.js')>('access/auth/request-signature.js');
  const { signRequestHeaders } = await fromDist<typeof import('../../src/access/auth/sign-request-headers.js')>(
    'access/auth/sign-request-headers.js',
  );
  const { verifySignedRequest } = await fromDist<typeof import('../../src/access/auth/verify-signed-request.js')>(
    'access/auth/verify-signed-request.js',
  );
  const { MemoryNonceStore } = await fromDist<typeof import('../../src/infra/memory/memory-nonce-store.js')>(
    'infra/memory/memory-nonce-store.js',
  );
  const clients = new ApiClients([{ id: 'web', secrets: [SECRET], scopes: new Set(['events:*']) }]);
  const body = JSON.stringify({ userId: 'user-000123', eventId: 'click-000123', payload: { platform: 'ios', slot: 'home' } });

  let bestSign = Number.POSITIVE_INFINITY;
  let bestVerify = Number.POSITIVE_INFINITY;
  for (let round = 0; round < options.rounds; round++) {
    let started = process.hrtime.bigint();
    const signed = Array.from({ length: options.requests }, () =>
      signRequestHeaders({ clientId: 'web', secrets: [SECRET], method: 'POST', pathWithQuery: PATH, body }),
    );
    bestSign = Math.min(bestSign, Number(process.hrtime.bigint() - started) / options.requests / 1000);

    const nonces = new MemoryNonceStore();
    started = process.hrtime.bigint();
    for (const headers of signed) {
      await verifySignedRequest(
        { headers, method: 'POST', pathWithQuery: PATH, bodySha256: sha256Hex(body) },
        { clients, nonces, nowMs: Date.now() },
      );
    }
    bestVerify = Math.min(bestVerify, Number(process.hrtime.bigint() - started) / options.requests / 1000);
  }
  return { usPerVerification: bestVerify, usPerSigning: bestSign, requests: options.requests, rounds: options.rounds };
}
