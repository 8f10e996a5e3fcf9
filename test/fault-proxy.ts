// A fault-injecting TCP proxy between a store and PostgreSQL: connections pass through until
// the test drops them all, refuses new ones for a while, or delays bytes. The real server is
// never restarted or stopped by a test.
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface FaultProxy {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** Destroys every open connection (as a database restart does). */
  dropAll(): void;
  /** Refuses new connections (closed on accept) for `ms`; connections open now are dropped too. */
  refuseFor(ms: number): void;
  /** Delays every chunk in both directions by `ms` from now on (0: none). */
  delay(ms: number): void;
  /** Stops listening and drops everything. */
  close(): Promise<void>;
}

/** A proxy to `upstreamPort` on 127.0.0.1. */
export async function faultProxy(upstreamPort = 5432): Promise<FaultProxy> {
  const open = new Set<Socket>();
  let refuseUntil = 0;
  let delayMs = 0;
  const relay = (from: Socket, to: Socket) =>
    from.on('data', (chunk) => {
      if (delayMs > 0) {
        from.pause();
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
          from.resume();
        }, delayMs);
      } else if (!to.destroyed) to.write(chunk);
    });
  const server: Server = createServer((client) => {
    if (Date.now() < refuseUntil) {
      client.destroy();
      return;
    }
    const upstream = connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    relay(client, upstream);
    relay(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const dropAll = () => {
    for (const s of open) s.destroy();
  };
  return {
    port: (server.address() as { port: number }).port,
    dropAll,
    refuseFor(ms) {
      refuseUntil = Date.now() + ms;
      dropAll();
    },
    delay(ms) {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((r) => {
        dropAll();
        server.close(() => r());
      }),
  };
}
