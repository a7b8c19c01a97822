import { randomBytes } from 'node:crypto';
import { computeSignature, formatSignatureHeader, sha256Hex } from './request-signature.js';

export interface RequestToSign {
  readonly clientId: string;
  /** One secret, or the old and the new one while a rotation is under way. */
  readonly secrets: readonly string[];
  readonly method: string;
  readonly pathWithQuery: string;
  readonly body?: string;
  readonly nowMs?: number;
  readonly nonce?: string;
}

/** The four headers a client sends with a request: what `strategy-center sign` prints, what tests and benchmarks send. */
export function signRequestHeaders(request: RequestToSign): Record<string, string> {
  const timestamp = String(Math.floor((request.nowMs ?? Date.now()) / 1000));
  const nonce = request.nonce ?? randomBytes(16).toString('hex');
  const parts = {
    timestamp,
    nonce,
    method: request.method,
    pathWithQuery: request.pathWithQuery,
    bodySha256: sha256Hex(request.body ?? ''),
  };
  return {
    'x-sc-client': request.clientId,
    'x-sc-timestamp': timestamp,
    'x-sc-nonce': nonce,
    'x-sc-signature': formatSignatureHeader(request.secrets.map((secret) => computeSignature(secret, parts))),
  };
}

/** A shell-quoted curl command line that sends the signed request to `baseUrl`. */
export function curlCommand(
  baseUrl: string,
  method: string,
  pathWithQuery: string,
  headers: Record<string, string>,
  body?: string,
): string {
  const words = ['curl', '-s', '-X', method.toUpperCase(), shellQuote(`${baseUrl.replace(/\/$/, '')}${pathWithQuery}`)];
  if (body !== undefined && body !== '') words.push('-H', shellQuote('content-type: application/json'));
  for (const [name, value] of Object.entries(headers)) words.push('-H', shellQuote(`${name}: ${value}`));
  if (body !== undefined && body !== '') words.push('--data-binary', shellQuote(body));
  return words.join(' ');
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
