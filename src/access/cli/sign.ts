import { curlCommand, signRequestHeaders } from '../auth/sign-request-headers.js';

export interface SignCommandInput {
  readonly clientId: string;
  readonly secrets: readonly string[];
  readonly method: string;
  readonly pathWithQuery: string;
  readonly body?: string;
  readonly baseUrl: string;
  readonly nowMs?: number;
}

/**
 * What `strategy-center sign` prints: the four headers, then a curl line that sends the request.
 * The signature holds for one send within five minutes; sign again for the next one.
 */
export function formatSignedRequest(input: SignCommandInput): string {
  const headers = signRequestHeaders(input);
  const lines = Object.entries(headers).map(([name, value]) => `${displayName(name)}: ${value}`);
  lines.push('', curlCommand(input.baseUrl, input.method, input.pathWithQuery, headers, input.body));
  lines.push('', 'valid for one request within 300 s; sign again for every request.');
  return lines.join('\n');
}

function displayName(header: string): string {
  return header.replace(/^x-sc-/, 'X-SC-').replace(/-([a-z])/g, (_, letter: string) => `-${letter.toUpperCase()}`);
}
