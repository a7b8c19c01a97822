/** Dependencies point inward: access/infra -> service -> domain. Checked by `npm run lint`. */
const IO_LIBRARIES =
  '^(node_modules/(ioredis|pg|pg-[a-z-]+|amqplib|nats|fastify|pino|prom-client|commander|bullmq)/|(node:)?(fs|fs/promises|net|http|https|child_process|dgram|tls)$)';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'domain-is-pure',
      comment: 'domain/ imports no infra, access, service or I/O library',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: ['^src/(infra|access|service|processors|config)/', IO_LIBRARIES] },
    },
    {
      name: 'service-depends-on-ports',
      comment: 'service/ works through ports; adapters are wired in the composition root',
      severity: 'error',
      from: { path: '^src/service/' },
      to: { path: ['^src/(infra|access)/', IO_LIBRARIES] },
    },
    {
      name: 'processors-depend-on-ports',
      severity: 'error',
      from: { path: '^src/processors/' },
      to: { path: ['^src/(infra|access|service)/', IO_LIBRARIES] },
    },
    {
      name: 'routes-use-services',
      comment: 'HTTP routes call services and read ports; adapters and their clients are the composition root’s (src/app/)',
      severity: 'error',
      from: { path: '^src/access/http/' },
      to: { path: ['^src/(infra|app|testing)/', '^node_modules/(ioredis|pg|pg-[a-z-]+|amqplib|nats)/'] },
    },
    {
      name: 'fault-injection-is-wired-only-by-the-root',
      comment: 'testing/ (chaos fault injection) is chosen by settings in src/app/, never imported by product code',
      severity: 'error',
      from: { path: '^src/(domain|service|processors|access|infra|config)/' },
      to: { path: '^src/testing/' },
    },
    {
      name: 'tracing-stays-at-the-edges',
      comment:
        'OpenTelemetry is the business of service/tracing.ts, the adapters and the composition root; domain, processors, access and config never import it',
      severity: 'error',
      from: { path: '^src/(domain|processors|access|config)/' },
      to: { path: '^node_modules/@opentelemetry/' },
    },
    {
      name: 'only-the-root-starts-the-sdk',
      comment: 'service/ and infra/ speak @opentelemetry/api only; the SDK (provider, exporter, sampler) is chosen in src/app/tracing.ts',
      severity: 'error',
      from: { path: '^src/(service|infra)/' },
      to: { path: '^node_modules/@opentelemetry/(?!api/)' },
    },
    {
      name: 'infra-does-not-reach-out',
      comment: 'adapters implement ports; they never call the API layer or the dispatcher',
      severity: 'error',
      from: { path: '^src/infra/' },
      to: { path: '^src/(access|service|processors)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
