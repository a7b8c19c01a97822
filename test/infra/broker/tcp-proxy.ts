import { type AddressInfo, createServer, connect as dial, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP relay to a real service that a test can cut and restore, to see what a client does
 * when the network fails (no server-side close, no goodbye) without disturbing the service itself.
 */
export class TcpProxy {
  readonly #targetHost: string;
  readonly #targetPort: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;

  /** `target` is a service URL (its hostname and port); the port defaults to AMQP's. */
  constructor(target: URL) {
    this.#targetHost = target.hostname;
    this.#targetPort = Number(target.port || 5672);
  }

  get port(): number {
    return this.#port;
  }

  /** Listens (again) on the same port, so that clients reconnect to the address they know. */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => {
      const upstream = dial(this.#targetPort, this.#targetHost);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Drops every relayed connection and stops accepting new ones. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
