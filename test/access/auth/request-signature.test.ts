import { describe, expect, it } from 'vitest';
import { ApiClients } from '../../../src/access/auth/api-clients.js';
import { parseSignatureHeader, sha256Hex, signingString } from '../../../src/access/auth/request-signature.js';
import { grants, isScope } from '../../../src/access/auth/scopes.js';
import { signRequestHeaders } from '../../../src/access/auth/sign-request-headers.js';
import { MAX_CLOCK_SKEW_S, type SignedRequest, verifySignedRequest } from '../../../src/access/auth/verify-signed-request.js';
import { AuthenticationError } from '../../../src/domain/errors.js';
import { MemoryNonceStore } from '../../../src/infra/memory/memory-nonce-store.js';

/** The README's worked example; the digest was computed independently with `openssl dgst -sha256 -hmac`. */
const EXAMPLE = {
  secret: 'example-secret-0123456789',
  timestamp: '1767225600',
  nonce: '3f9a1c0e7b2d4a55',
  method: 'POST',
  pathWithQuery: '/v1/channels/home_banner/events',
  body: '{"userId":"u1","eventId":"click-1"}',
  bodySha256: '40e6242159cd2f567531abe04cc7a12ea06f6a26de804d673106da9a7a26451b',
  signature: 'eea6c75097fd24ff4bfbc4e1dfc3e621b7145f839ecb4319fd67374342944b36',
};
const NOW_MS = Number(EXAMPLE.timestamp) * 1000;
const OLD_SECRET = 'old-secret-abcdefghijklmnop';
const NEW_SECRET = 'new-secret-qrstuvwxyz012345';

function clients(secrets: readonly string[] = [EXAMPLE.secret]): ApiClients {
  return new ApiClients([{ id: 'web-bff', secrets, scopes: new Set(['events:home_banner']) }]);
}

function request(headers: Record<string, string>, overrides: Partial<SignedRequest> = {}): SignedRequest {
  return { headers, method: EXAMPLE.method, pathWithQuery: EXAMPLE.pathWithQuery, bodySha256: sha256Hex(EXAMPLE.body), ...overrides };
}

function signed(secrets: readonly string[] = [EXAMPLE.secret], nowMs = NOW_MS, nonce?: string): Record<string, string> {
  return signRequestHeaders({
    clientId: 'web-bff',
    secrets,
    method: EXAMPLE.method,
    pathWithQuery: EXAMPLE.pathWithQuery,
    body: EXAMPLE.body,
    nowMs,
    ...(nonce === undefined ? {} : { nonce }),
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  return (error as AuthenticationError).code;
}

describe('the v1 request signature', () => {
  it('signs the documented string, matching an independent HMAC-SHA256', () => {
    const headers = signed([EXAMPLE.secret], NOW_MS, EXAMPLE.nonce);
    expect(sha256Hex(EXAMPLE.body)).toBe(EXAMPLE.bodySha256);
    expect(signingString({ ...EXAMPLE })).toBe(`v1:1767225600:3f9a1c0e7b2d4a55:POST:/v1/channels/home_banner/events:${EXAMPLE.bodySha256}`);
    expect(headers).toEqual({
      'x-sc-client': 'web-bff',
      'x-sc-timestamp': EXAMPLE.timestamp,
      'x-sc-nonce': EXAMPLE.nonce,
      'x-sc-signature': `v1=${EXAMPLE.signature}`,
    });
  });

  it('reads every v1 entry of the header and ignores other versions and malformed digests', () => {
    expect(parseSignatureHeader(`v1=${EXAMPLE.signature}, v2=abc, v1=${'A'.repeat(64)}`)).toEqual([EXAMPLE.signature, 'a'.repeat(64)]);
    expect(parseSignatureHeader('v1=not-hex')).toBeUndefined();
    expect(parseSignatureHeader('')).toBeUndefined();
  });

  it('accepts a correctly signed request once and names the client', async () => {
    const nonces = new MemoryNonceStore(() => NOW_MS);
    const client = await verifySignedRequest(request(signed()), { clients: clients(), nonces, nowMs: NOW_MS });
    expect(client.id).toBe('web-bff');
  });

  it('refuses each forged, expired, replayed, unsigned and unknown request with its own code', async () => {
    const nonces = new MemoryNonceStore(() => NOW_MS);
    const deps = { clients: clients(), nonces, nowMs: NOW_MS };
    const counts = new Map<string, number>();
    const count = (code: string) => counts.set(code, (counts.get(code) ?? 0) + 1);
    for (let i = 0; i < 200; i++) {
      const headers = signed();
      // A body, path, method or secret other than the signed one.
      count(await refusal(verifySignedRequest(request(headers, { bodySha256: sha256Hex(`${EXAMPLE.body} `) }), deps)));
      count(await refusal(verifySignedRequest(request(signed(['a-guessed-secret-of-some-length'])), deps)));
      // Signed too long ago, or too far ahead.
      const skew = (MAX_CLOCK_SKEW_S + 1 + i) * 1000;
      count(await refusal(verifySignedRequest(request(signed([EXAMPLE.secret], NOW_MS - skew)), deps)));
      count(await refusal(verifySignedRequest(request(signed([EXAMPLE.secret], NOW_MS + skew)), deps)));
      // Accepted once, then the same request again is a replay.
      await verifySignedRequest(request(headers), deps);
      count(await refusal(verifySignedRequest(request(headers), deps)));
    }
    expect(Object.fromEntries(counts)).toEqual({ bad_signature: 400, expired: 400, replayed: 200 });

    const headers = signed();
    const { 'x-sc-signature': _signature, ...unsigned } = headers;
    expect(await refusal(verifySignedRequest(request(unsigned), deps))).toBe('missing_signature');
    expect(await refusal(verifySignedRequest(request({ ...headers, 'x-sc-client': 'nobody' }), deps))).toBe('unknown_client');
    expect(await refusal(verifySignedRequest(request({ ...headers, 'x-sc-timestamp': 'yesterday' }), deps))).toBe('missing_signature');
  });

  it('claims no nonce for a forged request, so a forger cannot burn a real client nonce', async () => {
    const nonces = new MemoryNonceStore(() => NOW_MS);
    const deps = { clients: clients(), nonces, nowMs: NOW_MS };
    const forged = signed(['a-guessed-secret-of-some-length'], NOW_MS, 'shared-nonce-1');
    expect(await refusal(verifySignedRequest(request(forged), deps))).toBe('bad_signature');
    await expect(verifySignedRequest(request(signed([EXAMPLE.secret], NOW_MS, 'shared-nonce-1')), deps)).resolves.toMatchObject({
      id: 'web-bff',
    });
  });

  it('accepts the old and the new secret during a rotation, then only the new one', async () => {
    const nonces = new MemoryNonceStore(() => NOW_MS);
    const rotating = { clients: clients([OLD_SECRET, NEW_SECRET]), nonces, nowMs: NOW_MS };
    await expect(verifySignedRequest(request(signed([OLD_SECRET])), rotating)).resolves.toBeDefined();
    await expect(verifySignedRequest(request(signed([NEW_SECRET])), rotating)).resolves.toBeDefined();
    await expect(verifySignedRequest(request(signed([OLD_SECRET, NEW_SECRET])), rotating)).resolves.toBeDefined();

    const rotated = { ...rotating, clients: clients([NEW_SECRET]) };
    expect(await refusal(verifySignedRequest(request(signed([OLD_SECRET])), rotated))).toBe('bad_signature');
    await expect(verifySignedRequest(request(signed([NEW_SECRET])), rotated)).resolves.toBeDefined();
    // A client still sending both signatures keeps working through the switch.
    await expect(verifySignedRequest(request(signed([OLD_SECRET, NEW_SECRET])), rotated)).resolves.toBeDefined();
  });

  it('never puts a secret in an error', async () => {
    const nonces = new MemoryNonceStore(() => NOW_MS);
    const error = await verifySignedRequest(request(signed(['a-guessed-secret-of-some-length'])), {
      clients: clients(),
      nonces,
      nowMs: NOW_MS,
    }).catch((thrown: unknown) => thrown as AuthenticationError);
    expect(
      JSON.stringify({ message: (error as AuthenticationError).message, details: (error as AuthenticationError).details }),
    ).not.toContain(EXAMPLE.secret);
  });
});

describe('scopes', () => {
  it('knows the fixed scopes and channel scopes', () => {
    for (const scope of [
      'events:home_banner',
      'events:*',
      'behaviors:write',
      'users:read',
      'assets:redeem',
      'traces:read',
      'admin:read',
      'admin:write',
    ]) {
      expect(isScope(scope)).toBe(true);
    }
    for (const scope of ['events:', 'admin', 'admin:delete', 'events:home banner']) expect(isScope(scope)).toBe(false);
  });

  it('lets events:* cover every channel and admin:write cover admin:read, nothing else', () => {
    expect(grants(new Set(['events:*']), 'events:home_banner')).toBe(true);
    expect(grants(new Set(['events:home_banner']), 'events:other')).toBe(false);
    expect(grants(new Set(['admin:write']), 'admin:read')).toBe(true);
    expect(grants(new Set(['admin:read']), 'admin:write')).toBe(false);
    expect(grants(new Set(['users:read']), 'assets:redeem')).toBe(false);
  });
});
