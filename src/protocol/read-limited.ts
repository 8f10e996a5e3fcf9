/**
 * Reading a web stream up to a limit: a request body in the fetch adapter, a response body
 * in the checker. Past the limit the stream is cancelled: nothing more is read.
 * @module
 */

/** What was read: the bytes, and whether the stream went on past `limit` (then `bytes` holds the chunks read before the one that crossed it). */
export interface LimitedRead {
  /** The bytes read (empty when the stream was). */
  bytes: Uint8Array;
  /** The stream was longer than the limit. */
  tooLarge: boolean;
}

/** Reads `stream` up to `limit` bytes. @internal */
export async function readLimited(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<LimitedRead> {
  if (!stream) return { bytes: new Uint8Array(0), tooLarge: false };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let tooLarge = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      tooLarge = true;
      // a stream that errors while cancelled is past the limit all the same
      await reader.cancel().catch(() => undefined);
      break;
    }
    size += value.byteLength;
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { bytes, tooLarge };
}
