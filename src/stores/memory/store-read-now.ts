/**
 * The key of MemoryStore's synchronous read: what its `get` answers, without the promise. The
 * server's GET by id uses it to answer without awaiting (src/server/read-now.ts); a symbol,
 * so it is no part of MemoryStore's public surface.
 * @module
 */

/** MemoryStore's `[readNow](ctx, type, id, options)`: `get`'s answer, at once. */
export const readNow: unique symbol = Symbol('scimkit.memoryStore.readNow');
