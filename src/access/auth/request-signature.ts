import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature scheme of client requests, version 1. A client signs
 *
 *     v1:{timestamp}:{nonce}:{METHOD}:{path with query}:{hex sha256 of the raw body}
 *
 * with HMAC-SHA256 under one of its secrets and sends the hex digest as `X-SC-Signature: v1=<hex>`.
 * Several `v1=` entries, comma-separated, let a client sign with its old and new secret during a
 * rotation. Binding the method, path, query and body digest means a signature cannot be moved to
 * another request; the timestamp and nonce bound how long, and how often, it can be sent.
 */
export const SIGNATURE_VERSION = 'v1';

export interface SignedRequestParts {
  /** Unix seconds, as sent in `X-SC-Timestamp`. */
  readonly timestamp: string;
  readonly nonce: string;
  readonly method: string;
  /** The request target as sent: path and query string, e.g. `/v1/activities?limit=5`. */
  readonly pathWithQuery: string;
  /** Hex SHA-256 of the raw body bytes as sent (of nothing, for a request without a body). */
  readonly bodySha256: string;
}

export function sha256Hex(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

export function signingString(parts: SignedRequestParts): string {
  return [SIGNATURE_VERSION, parts.timestamp, parts.nonce, parts.method.toUpperCase(), parts.pathWithQuery, parts.bodySha256].join(':');
}

/** The hex HMAC-SHA256 of the signing string under `secret`. */
export function computeSignature(secret: string, parts: SignedRequestParts): string {
  return createHmac('sha256', secret).update(signingString(parts)).digest('hex');
}

/** The value of the `X-SC-Signature` header for `signatures` (one per secret). */
export function formatSignatureHeader(signatures: readonly string[]): string {
  return signatures.map((signature) => `${SIGNATURE_VERSION}=${signature}`).join(',');
}

/**
 * The `v1` digests of an `X-SC-Signature` header, or undefined when it carries none. Entries of
 * other versions are ignored, so a client may already send a future version beside this one.
 */
export function parseSignatureHeader(header: string): readonly string[] | undefined {
  const digests: string[] = [];
  for (const entry of header.split(',')) {
    const [version, digest] = entry.trim().split('=', 2);
    if (version === SIGNATURE_VERSION && digest !== undefined && /^[0-9a-f]{64}$/i.test(digest)) digests.push(digest.toLowerCase());
  }
  return digests.length > 0 ? digests : undefined;
}

/**
 * Whether any of `digests` is the signature of `parts` under any of `secrets`. Every pair is
 * compared in constant time and none is skipped after a match, so timing reveals neither which
 * secret matched nor how much of a forged digest was right.
 */
export function signatureMatches(secrets: readonly string[], parts: SignedRequestParts, digests: readonly string[]): boolean {
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(computeSignature(secret, parts), 'hex');
    for (const digest of digests) {
      const candidate = Buffer.from(digest, 'hex');
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  return matched;
}
