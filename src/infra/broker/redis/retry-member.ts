/**
 * A scheduled retry as stored in the retry sorted set: `<attempt>:<origin length>:<origin><body>`.
 * The length prefix lets origin and body hold any character; promote-due-retries-2.lua parses it.
 * Equal retries (same origin, attempt and body) collapse into one member, which is what we want.
 */
export function encodeRetryMember(retry: { readonly attempt: number; readonly origin: string; readonly body: string }): string {
  return `${retry.attempt}:${Buffer.byteLength(retry.origin)}:${retry.origin}${retry.body}`;
}
