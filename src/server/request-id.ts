/**
 * Request ids the server makes (when the client sent no usable `X-Request-Id`). A
 * `randomUUID()` per request allocated ~0.6 KB of a GET by id's ~10 KB (bench/RESULTS.md,
 * "Request path (#34)"): here one random UUID gives the first 20 hex digits (its version and
 * variant included) of a run of 2^20 ids, and the last 12 are a random start plus a counter.
 * The ids keep the UUID form clients and log tools expect, are unique within the process (a
 * fresh random prefix every 2^20 ids) and across processes as far as 74 random bits go; they
 * are not secrets and were never meant to be unguessable.
 * @module
 */
import { randomUUID } from 'node:crypto';

/** How many ids share one random prefix before a new one is drawn. */
const RUN = 2 ** 20;
/** 2^48: the last group of a UUID holds 12 hex digits. */
const LAST_GROUP = 2 ** 48;

let prefix = '';
let start = 0;
let used = RUN;

/** A new request id in UUID form (8-4-4-4-12 lower-case hex), unique within this process. */
export function newRequestId(): string {
  if (used === RUN) {
    const fresh = randomUUID();
    prefix = fresh.slice(0, 24);
    // the random last group of the fresh UUID is where the run's counter starts
    start = Number.parseInt(fresh.slice(24), 16);
    used = 0;
  }
  const n = (start + used++) % LAST_GROUP;
  return prefix + n.toString(16).padStart(12, '0');
}
