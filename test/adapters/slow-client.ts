// A raw HTTP/1.1 client over net.Socket that sends a large body in pieces with pauses, as an
// IdP on a slow link does, and reads whatever the server answers (fetch and http.request hide
// an EPIPE or a reset behind their own errors; this one records them).
import { connect } from 'node:net';

/** What a slow upload came back with. */
export interface SlowUpload {
  /** Status of the answer, 0 when none was read. */
  status: number;
  /** Its headers, names in lower case. */
  headers: Record<string, string>;
  /** Its body, as far as it arrived. */
  body: string;
  /** Whether the body arrived whole (as long as its Content-Length). */
  complete: boolean;
  /** The socket error the client saw (EPIPE, ECONNRESET), if any. */
  error: string | undefined;
  /** Body bytes the client managed to write before it stopped. */
  written: number;
}

/** How to send. */
export interface SlowUploadOptions {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Body bytes to send; Infinity sends until the server stops reading. */
  bytes: number;
  /** Chunked transfer coding instead of Content-Length. */
  chunked?: boolean;
  /** A Content-Length to declare other than `bytes`. */
  declaredLength?: number;
  /** Bytes per write (default 64 KiB). */
  chunkBytes?: number;
  /** Pause between writes (default 2 ms). */
  pauseMs?: number;
  /** Gives up after this long (default 20 s). */
  timeoutMs?: number;
}

/** Sends the request slowly and reads the answer until the server closes the connection. */
export function slowUpload(port: number, o: SlowUploadOptions): Promise<SlowUpload> {
  const chunkBytes = o.chunkBytes ?? 64 * 1024;
  const piece = Buffer.alloc(chunkBytes, 'x');
  return new Promise((resolve) => {
    // half-open: like a client that sends its whole body before it reads, it keeps writing after the server's FIN
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const received: Buffer[] = [];
    let error: string | undefined;
    let written = 0;
    let closed = false;
    const timer = setTimeout(() => socket.destroy(new Error('client timeout')), o.timeoutMs ?? 20_000);
    let ended = false;
    let sent = false;
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('end', () => {
      ended = true;
      if (sent) socket.end();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
    });
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ ...parse(Buffer.concat(received).toString('latin1')), error, written });
    });
    const head = [`${o.method} ${o.path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(o.headers).map(([k, v]) => `${k}: ${v}`)];
    head.push(o.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${o.declaredLength ?? o.bytes}`);
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    const next = () => {
      if (closed || socket.destroyed) return;
      if (written >= o.bytes) {
        if (o.chunked) socket.write('0\r\n\r\n');
        sent = true;
        if (ended) socket.end();
        return;
      }
      const n = Math.min(chunkBytes, o.bytes - written);
      const data = n === chunkBytes ? piece : piece.subarray(0, n);
      const ok = socket.write(o.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data);
      written += n;
      const later = () => setTimeout(next, o.pauseMs ?? 2);
      if (ok) later();
      else socket.once('drain', later);
    };
    next();
  });
}

function parse(text: string): Omit<SlowUpload, 'error' | 'written'> {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: '', complete: false };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const colon = l.indexOf(':');
    headers[l.slice(0, colon).trim().toLowerCase()] = l.slice(colon + 1).trim();
  }
  const status = Number(statusLine?.split(' ')[1] ?? 0);
  const rest = text.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') return { status, headers, ...dechunk(rest) };
  const length = Number(headers['content-length']);
  return { status, headers, body: rest.slice(0, length), complete: Number.isFinite(length) && rest.length >= length };
}

/** A chunked body decoded, and whether its last chunk arrived. */
function dechunk(text: string): { body: string; complete: boolean } {
  let body = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol < 0) return { body, complete: false };
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (size === 0) return { body, complete: true };
    if (!(size > 0) || text.length < eol + 2 + size) return { body, complete: false };
    body += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
