import { signRequestHeaders } from '../../src/access/auth/sign-request-headers.js';

export interface ClientCredentials {
  readonly clientId: string;
  readonly secret: string;
}

/** Sends one signed request the way a client implements the scheme: fresh timestamp and nonce each time. */
export async function signedRequest(
  baseUrl: string,
  credentials: ClientCredentials,
  method: string,
  pathWithQuery: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers = signRequestHeaders({
    clientId: credentials.clientId,
    secrets: [credentials.secret],
    method,
    pathWithQuery,
    ...(text === undefined ? {} : { body: text }),
  });
  const response = await fetch(`${baseUrl}${pathWithQuery}`, {
    method,
    headers: { ...headers, ...(text === undefined ? {} : { 'content-type': 'application/json' }), ...extraHeaders },
    ...(text === undefined ? {} : { body: text }),
  });
  const answer = await response.text();
  return { status: response.status, body: answer ? JSON.parse(answer) : undefined, headers: response.headers };
}
