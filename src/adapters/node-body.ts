/**
 * Admits a Node request from its headers, then reads its body up to a limit and by its
 * deadline; shared by the node, Express, Koa and Fastify adapters.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Admission,
  type DiscardBound,
  discardBoundOf,
  discardTimer,
  ScimError,
  type ScimLimits,
  type ScimRequest,
  type ScimResponse,
  type ScimServer,
} from 'scimkit';

/** Thrown when the body is larger than the limit. */
export class BodyTooLarge extends Error {
  /** Builds the signal with the limit that was passed. */
  constructor(readonly limit: number) {
    super(`body over ${limit} bytes`);
  }
}

/** Thrown when the body did not arrive by the request's deadline. */
export class BodyTimeout extends Error {
  /** Builds the signal with the time the request had. */
  constructor(readonly ms: number) {
    super(`body not in within ${ms} ms`);
  }
}

/**
 * Whether the request has no body (HTTP/1.1: neither Content-Length nor Transfer-Encoding,
 * or a zero length: every GET and DELETE an IdP sends); then it is drained, and the caller
 * skips {@link readBody} and its stream listeners.
 */
export function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) return false;
  req.resume();
  return true;
}

/**
 * The body as bytes, or undefined when there is none. Past `maxBodyBytes` it rejects with
 * BodyTooLarge, but only once the rest has been read and dropped within the discard bound
 * (docs/security.md): a client still sending would otherwise get a reset, not the 413. A
 * declared Content-Length past the bound is refused without reading. Given a `deadline`
 * (epoch ms), a body not in by then rejects with BodyTimeout. The caller answers a refusal
 * with `Connection: close`.
 */
export function readBody(
  req: IncomingMessage,
  limits: Pick<ScimLimits, 'maxBodyBytes' | 'requestTimeoutMs'>,
  deadline?: number,
): Promise<Uint8Array | undefined> {
  const limit = limits.maxBodyBytes;
  const discard = discardBoundOf(limits);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > discard.bytes) return Promise.reject(new BodyTooLarge(limit));
  if (Number.isFinite(declared) && declared > limit) return discardBody(req, discard).then(() => Promise.reject(new BodyTooLarge(limit)));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= limit) {
        chunks.push(c);
        return;
      }
      stop();
      discardBody(req, discard, size).then(() => reject(new BodyTooLarge(limit)));
    };
    const onEnd = () => {
      stop();
      resolve(size ? Buffer.concat(chunks) : undefined);
    };
    const onError = (e: Error) => {
      stop();
      reject(e);
    };
    // a client that sends its body slowly holds what it sent so far: not past the request's deadline
    const clear =
      deadline === undefined
        ? () => undefined
        : discardTimer(deadline - Date.now(), () => {
            stop();
            req.pause();
            reject(new BodyTimeout(limits.requestTimeoutMs));
          });
    const stop = () => {
      clear();
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * Reads and drops the rest of a request body, `seen` bytes into it, until it ends, the client
 * goes away, or the bound is reached (then reading stops; answering with `Connection: close`
 * closes the connection). Resolves whether it ended, never rejects: a refusal follows either way.
 */
export function discardBody(req: IncomingMessage, bound: DiscardBound, seen = 0): Promise<boolean> {
  if (req.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    let total = seen;
    let done = false;
    const finish = (ended: boolean) => {
      if (done) return;
      done = true;
      clear();
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onError);
      if (!ended) req.pause();
      resolve(ended);
    };
    const onData = (c: Buffer) => {
      total += c.length;
      if (total > bound.bytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = () => finish(false);
    const clear = discardTimer(bound.ms, () => finish(false));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onError);
    req.resume();
  });
}

/**
 * The origin a Node request arrived at: its connection's scheme and its `Host` (a host name
 * and port, else `localhost`). X-Forwarded-* are the engine's to trust or not (`trustProxy`).
 */
export function originOf(req: IncomingMessage): string {
  const proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const host = req.headers.host?.trim();
  return `${proto}://${host && host.length <= 300 && /^[A-Za-z0-9.\-[\]:]+$/.test(host) ? host : 'localhost'}`;
}

/** The SCIM error for a body that could not be read: 413 past the limit, 408 past the deadline, 400 otherwise (the caller answers it with `Connection: close`). */
export function bodyReadError(e: unknown): ScimError {
  return e instanceof BodyTooLarge
    ? ScimError.payloadTooLarge(`The body is larger than ${e.limit} bytes`)
    : e instanceof BodyTimeout
      ? ScimError.requestTimeout(`The request body did not arrive within ${e.ms} ms`)
      : ScimError.badRequest('The request body could not be read');
}

/**
 * A getter for a signal that aborts when the client goes away before the answer is sent.
 * The AbortController is made only when something reads the signal (a store that cancels
 * queries): most requests never do, and a controller with its close listener costs ~3.6 µs
 * (measured alone; a getter ~0.04 µs).
 */
export function abortSignalOf(res: ServerResponse): () => AbortSignal {
  let ac: AbortController | undefined;
  return () => {
    if (ac) return ac.signal;
    ac = new AbortController();
    const controller = ac;
    // abort only when the client went away before the answer: abort() builds a DOMException (~20 µs)
    if (res.destroyed && !res.writableFinished) controller.abort();
    else
      res.once('close', () => {
        if (!res.writableFinished) controller.abort();
      });
    return controller.signal;
  };
}

/** What an adapter worked out of a Node request: the path below its base, the query, the body, and the base path it is mounted at. */
export interface NodeRequestParts {
  path: string;
  query: string;
  body: unknown;
  basePath: string;
}

/**
 * The neutral request of a Node request (node:http, Express, Koa and Fastify all hand one
 * over): its method, headers and address, the parts the adapter worked out, and the abort
 * signal of `res`, made only when the engine asks for it.
 */
export function nodeRequest(req: IncomingMessage, res: ServerResponse | undefined, parts: NodeRequestParts): ScimRequest {
  const signal = res && abortSignalOf(res);
  return {
    method: req.method ?? 'GET',
    path: parts.path,
    query: parts.query,
    headers: req.headers,
    body: parts.body,
    baseUrl: `${originOf(req)}${parts.basePath}`,
    ...(req.socket?.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
    get signal() {
      return signal?.();
    },
  };
}

/** What the activity record of a request refused before `handle` shows: its method, path, headers and address. */
export function refusedRequest(req: IncomingMessage, path: string): ScimRequest {
  return { method: req.method ?? 'GET', path, headers: req.headers, ...(req.socket?.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}) };
}

/** What {@link admitNodeRequest} came to: an answer to write now, or the request to hand to `handle` with its admission. */
export type NodeAdmission =
  | {
      /** The refusal (401, 403, 429, or 413/408/400 for the body) to write as it is. */
      answer: ScimResponse;
      /** Whether to answer with `Connection: close`: a body was refused or left unread, and the connection is not reused. */
      close: boolean;
    }
  | {
      /** The neutral request, its body read. */
      request: ScimRequest;
      /** What `server.admit` decided: pass it to `handle`, which then does not authenticate again. */
      admission: Admission;
    };

/**
 * Admits a Node request from its headers (`server.admit`), and only then reads its body,
 * within `maxBodyBytes` and by the request's deadline. A refused request's body is not read:
 * the refusal is written at once and the connection closed, so a stranger's body is never
 * buffered. `parsed` is a body another middleware already read (Express's or Koa's parser).
 */
export async function admitNodeRequest(
  server: ScimServer,
  req: IncomingMessage,
  res: ServerResponse | undefined,
  parts: Omit<NodeRequestParts, 'body'>,
  parsed?: { body: unknown },
): Promise<NodeAdmission> {
  const request = nodeRequest(req, res, { ...parts, body: parsed?.body });
  const unread = parsed === undefined && !req.readableEnded && !hasNoBody(req);
  const admission = await server.admit(request);
  if (admission.refusal) return { answer: admission.refusal, close: unread };
  if (unread) {
    try {
      request.body = await readBody(req, server.limits, admission.deadline);
    } catch (e) {
      return { answer: server.refuse(refusedRequest(req, parts.path), bodyReadError(e), admission), close: true };
    }
  }
  return { request, admission };
}
