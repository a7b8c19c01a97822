/** What every conformance suite gets from an adapter's factory: the port and a way to clean up. */
export interface Subject<Port> {
  readonly store: Port;
  close(): Promise<void>;
}

export type MakeSubject<Port, Options = void> = (options: Options) => Promise<Subject<Port>>;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Fisher–Yates, so concurrent calls are issued in an order no adapter can rely on. */
export function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
