import type { App } from '../../app/app-options.js';
import type { RequestAuthenticator } from '../auth/request-authenticator.js';

function authLine(authenticator: RequestAuthenticator): string {
  if (authenticator.mode === 'on') {
    return `  auth:     on, ${authenticator.clients.size} client(s): every route but /healthz and /docs needs a signed request or an admin token`;
  }
  return '  auth:     OFF: open to anyone who can reach it (fine on loopback; see README, Credentials)';
}

/** What `serve` prints once listening: where it runs, on what, and the sample play to try with curl. */
export async function serveBanner(app: App, address: string, consuming: boolean): Promise<string> {
  const activities = await app.activities.list();
  const channel = app.templates
    .list()
    .flatMap((t) => t.channels)
    .find((c) => !app.config.behaviorRules.some((r) => r.key === c));
  const rule = app.config.behaviorRules[0];
  return [
    '',
    `strategy-center is listening on ${address}`,
    `  config:   ${app.config.path} (${app.templates.list().length} template(s), ${activities.length} activity(ies), ${app.config.behaviorRules.length} behavior rule(s))`,
    `  backends: state=${app.backends.state} records=${app.backends.records} broker=${app.backends.broker}${consuming ? ' (consuming)' : ''}`,
    authLine(app.authenticator),
    '',
    app.authenticator.mode === 'on'
      ? `Sign each request (the curl lines below need the X-SC-* headers it prints): strategy-center sign --client <id> POST /v1/channels/<channel>/events --data '{"userId":"u1"}' --url ${address}`
      : 'Try the sample play:',
    ...(rule
      ? [
          `  for i in 1 2 3; do curl -s -XPOST ${address}/v1/behaviors -H 'content-type: application/json' \\`,
          `    -d "{\\"userId\\":\\"u1\\",\\"type\\":\\"${rule.type}\\",\\"itemId\\":\\"sku-00$i\\"}"; echo; done`,
        ]
      : []),
    ...(channel
      ? [`  curl -s -XPOST ${address}/v1/channels/${channel}/events -H 'content-type: application/json' -d '{"userId":"u1"}'`]
      : []),
    `  curl -s ${address}/v1/activities/${activities[0]?.id ?? 'ACTIVITY'}/users/u1`,
    `Console:  ${address}/console/ ${
      app.authenticator.hasAdminTokens
        ? '(sign in with ADMIN_TOKEN, or ADMIN_READ_TOKEN to only look)'
        : '(no admin token set: sign in with an empty token)'
    }`,
    `API reference: ${address}/docs (OpenAPI: ${address}/openapi.json)`,
    `Health: ${address}/healthz   Metrics: ${address}/metrics   Stop: Ctrl-C`,
    '',
  ].join('\n');
}
