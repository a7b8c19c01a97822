import { ensureServicesUp, portOpen } from './service-control.js';

/** Before: the real services must be there. After: whatever a failed restart scenario left down is started again. */
export async function setup(): Promise<void> {
  const down: string[] = [];
  for (const [name, port] of [
    ['redis', 6379],
    ['postgresql', 5432],
    ['rabbitmq', 5672],
    ['nats', 4222],
  ] as const) {
    if (!(await portOpen(port))) down.push(`${name} (127.0.0.1:${port})`);
  }
  if (down.length > 0) throw new Error(`the chaos suite needs the real services; down: ${down.join(', ')} (bash .ci/run starts them)`);
}

export async function teardown(): Promise<void> {
  const started = await ensureServicesUp();
  if (started.length > 0) console.warn(`chaos: started ${started.join(', ')} again after the suite`);
}
