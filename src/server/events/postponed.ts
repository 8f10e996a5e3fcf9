/**
 * What a delivery throws for an event it did not try: a consumer was busy (put back, the
 * attempt not counted) or backed off after failing repeatedly (a failed attempt, retried no
 * sooner than its cool-down's end). The dispatcher tells them from a consumer's own failure.
 * @module
 */

/**
 * An event not tried because a consumer was busy: nothing was sent, so the event is put back
 * without counting the attempt, due at `until`.
 */
export class DeliveryDeferred extends Error {
  /** When the event is due again (epoch ms). */
  readonly until: number;

  constructor(message: string, until: number) {
    super(message);
    this.name = 'DeliveryDeferred';
    this.until = until;
  }
}

/**
 * An event refused by a consumer whose circuit is open (events/target-gate.ts): nothing was
 * sent; a failed attempt all the same, retried no sooner than `until`.
 */
export class BackedOff extends Error {
  /** When the circuit lets a trial through again (epoch ms). */
  readonly until: number;

  constructor(message: string, until: number) {
    super(message);
    this.name = 'BackedOff';
    this.until = until;
  }
}
