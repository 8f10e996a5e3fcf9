/**
 * Turns for long scans: a store that scans in memory runs on the event loop every other
 * request needs, so a scan runs in slices of {@link SCAN_SLICE_MS} and waits for a turn
 * between them. At most one slice runs per turn of the event loop, whatever number of scans
 * wait, so a request that needs no scan (another tenant's GET) waits for one slice at most;
 * the tenants whose scans wait take turns in rotation, so each gets an equal share of the
 * time scans get, however many scans it runs at once (five heavy searches of one tenant get
 * what one search of another tenant gets).
 * @module
 */

/**
 * How long a scan runs before it waits for its next turn (ms): a third of the ~0.3 ms a GET by
 * id takes over HTTP on loopback (bench/RESULTS.md, "Containment"), so another request waits
 * for a fraction of its own time; a turn costs a few µs (long scans run 3-10% slower than in
 * one piece; at 0.25 ms another tenant's p99 went past twice its idle figure).
 */
export const SCAN_SLICE_MS = 0.1;

/** Scans waiting for their next slice, per tenant, in rotation. */
export class ScanTurns {
  /** Tenant → its scans' wake-ups, first come first served; the map's order is the rotation. */
  readonly #waiting = new Map<string, (() => void)[]>();
  #armed = false;

  /** Resolves when `tenant`'s scan may run its next slice. */
  next(tenant: string): Promise<void> {
    return new Promise((go) => {
      const line = this.#waiting.get(tenant);
      if (line) line.push(go);
      else this.#waiting.set(tenant, [go]);
      this.#arm();
    });
  }

  /** How many scans wait for a turn (for tests and metrics). */
  get waiting(): number {
    let n = 0;
    for (const line of this.#waiting.values()) n += line.length;
    return n;
  }

  #arm(): void {
    if (this.#armed) return;
    this.#armed = true;
    // setImmediate, not a microtask: the event loop polls for I/O (other requests) between turns
    setImmediate(() => this.#grant());
  }

  #grant(): void {
    this.#armed = false;
    const first = this.#waiting.entries().next();
    if (first.done) return;
    const [tenant, line] = first.value;
    const go = line.shift()!;
    // to the back of the rotation, or out of it
    this.#waiting.delete(tenant);
    if (line.length) this.#waiting.set(tenant, line);
    // armed before the slice runs: the next turn is in the next loop iteration (an immediate
    // queued while immediates run waits for the next one), after the poll for I/O
    if (this.#waiting.size) this.#arm();
    go();
  }
}
