// A fault-injecting TCP proxy between a store and PostgreSQL: connections pass through until
// the test drops them all, refuses new ones for a while, delays bytes, or blackholes them. The
// real server is never restarted or stopped by a test.
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
  /**
   * A silent network fault, as a middlebox that lost its state: every connection open now goes
   * dead (its bytes, both ways, are dropped from now on, and it is never closed or reset), and
   * new connections are accepted and go dead too, until {@link heal}.
   */
  blackhole(): void;
  /** New connections pass again; the dead ones stay dead (silently) until their ends close them. */
  heal(): void;
  /** How many dead connections the side that connected still holds open. */
  readonly deadOpen: number;
  /** Stops listening and drops everything. */
  close(): Promise<void>;
}

/** A proxy to `upstreamPort` on 127.0.0.1. */
export async function faultProxy(upstreamPort = 5432): Promise<FaultProxy> {
  const open = new Set<Socket>();
  /** The sockets of the side that connected, and those of them that are dead (their bytes are dropped). */
  const clients = new Set<Socket>();
  const dead = new Set<Socket>();
  let refuseUntil = 0;
  let delayMs = 0;
  let blackholed = false;
  const relay = (from: Socket, to: Socket, client: Socket) =>
    from.on('data', (chunk) => {
      if (dead.has(client)) return;
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
    clients.add(client);
    open.add(client);
    client.on('error', () => undefined);
    if (blackholed) {
      // accepted, and nothing ever reaches the server: its start-up waits for an answer
      dead.add(client);
      // read and dropped, so that its end is noticed when the other side closes it
      client.resume();
      client.on('close', () => {
        open.delete(client);
        clients.delete(client);
        dead.delete(client);
      });
      return;
    }
    const upstream = connect(upstreamPort, '127.0.0.1');
    open.add(upstream);
    upstream.on('error', () => undefined);
    relay(client, upstream, client);
    relay(upstream, client, client);
    // a dead connection's close is not passed on either: the other end never hears of it
    client.on('close', () => {
      open.delete(client);
      clients.delete(client);
      if (!dead.delete(client)) upstream.destroy();
    });
    upstream.on('close', () => {
      open.delete(upstream);
      if (!dead.has(client)) client.destroy();
    });
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
    blackhole() {
      blackholed = true;
      for (const s of clients) dead.add(s);
    },
    heal() {
      blackholed = false;
    },
    get deadOpen() {
      return dead.size;
    },
    close: () =>
      new Promise<void>((r) => {
        dead.clear();
        dropAll();
        server.close(() => r());
      }),
  };
}
