/**
 * Reading a web stream up to a limit: a request body in the fetch adapter, a response body
 * in the checker. Past the limit the stream is cancelled: nothing more is read; or, given a
 * discard bound (a request body refused as too large), the rest is read and thrown away
 * within the bound first, so the client can finish sending and read the 413.
 * @module
 */
import { type DiscardBound, discardTimer } from './refused-body.js';

/** What was read: the bytes, and whether the stream went on past `limit` (then `bytes` holds the chunks read before the one that crossed it). */
export interface LimitedRead {
  /** The bytes read (empty when the stream was). */
  bytes: Uint8Array;
  /** The stream was longer than the limit. */
  tooLarge: boolean;
  /** The stream had not ended by the deadline (then it was cancelled, and `bytes` is what came before). */
  late?: boolean;
}

/**
 * Reads `stream` up to `limit` bytes; past it, discards the rest within `discard` when given.
 * Given a `deadline` (epoch ms), a stream not ended by then is cancelled and the read is `late`.
 * For an adapter of your own over web streams, as `scimkit/fetch` reads request bodies.
 */
export async function readLimited(stream: ReadableStream<Uint8Array> | null, limit: number, discard?: DiscardBound, deadline?: number): Promise<LimitedRead> {
  if (!stream) return { bytes: new Uint8Array(0), tooLarge: false };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let tooLarge = false;
  let late = false;
  let timeUp: () => void = () => undefined;
  const lateness = new Promise<'late'>((resolve) => {
    timeUp = () => resolve('late');
  });
  const clear = deadline === undefined ? () => undefined : discardTimer(deadline - Date.now(), timeUp);
  try {
    for (;;) {
      const r = deadline === undefined ? await reader.read() : await Promise.race([reader.read(), lateness]);
      if (r === 'late') {
        late = true;
        // a stream that errors while cancelled is late all the same
        await reader.cancel().catch(() => undefined);
        break;
      }
      const { done, value } = r;
      if (done) break;
      if (size + value.byteLength > limit) {
        tooLarge = true;
        if (!discard || !(await discardRest(reader, size + value.byteLength, discard)))
          // a stream that errors while cancelled is past the limit all the same
          await reader.cancel().catch(() => undefined);
        break;
      }
      size += value.byteLength;
      chunks.push(value);
    }
  } finally {
    clear();
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return late ? { bytes, tooLarge, late } : { bytes, tooLarge };
}

/** Reads and drops the rest of a stream `seen` bytes into it; whether it ended within the bound (else the caller cancels it). */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, seen: number, bound: DiscardBound): Promise<boolean> {
  let timeUp!: () => void;
  const late = new Promise<'late'>((resolve) => {
    timeUp = () => resolve('late');
  });
  const clear = discardTimer(bound.ms, timeUp);
  try {
    for (let total = seen; total <= bound.bytes; ) {
      const r = await Promise.race([reader.read(), late]);
      if (r === 'late') return false;
      if (r.done) return true;
      total += r.value.byteLength;
    }
    return false;
  } catch {
    // the client went away while sending
    return false;
  } finally {
    clear();
  }
}
