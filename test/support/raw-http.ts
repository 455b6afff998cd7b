// HTTP/1.1 over a bare socket, for requests that fetch and node:http refuse or normalise: any
// method token (lower-case, CONNECT with a path, junk), any request target (null bytes, raw
// unicode, absolute-form, no leading slash), duplicate and malformed header lines, and a
// Content-Length that lies about the body. Every request asks for `Connection: close` and reads
// the first final answer (1xx interim answers are skipped); a request that gets no answer within
// `timeoutMs` resolves as timed out instead of hanging the test.
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target exactly as sent (as bytes: see `bytes`). */
  target: string;
  /** Header lines in order, duplicates allowed; a name of `null` writes the value as the whole line. */
  headers: Array<[name: string | null, value: string]>;
  body?: string;
  /** Add `Content-Length` for the body (default: when there is a body and no length/encoding header). */
  autoLength?: boolean;
  /** Add `Host` (default true). */
  host?: boolean;
  /** The protocol of the request line (default HTTP/1.1). */
  version?: string;
  timeoutMs: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

export type RawOutcome =
  ({ kind: 'answer' } & RawResponse) | { kind: 'timeout'; ms: number } | { kind: 'closed'; ms: number; error?: string };

/** A JS string of code points as the bytes of its UTF-8 encoding, one char a byte (latin1). */
export const utf8Bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

export function rawRequest(port: number, req: RawRequest): Promise<RawOutcome> {
  const started = Date.now();
  const names = req.headers.map(([n]) => (n ?? '').toLowerCase());
  const lines: string[] = [`${req.method} ${req.target} ${req.version ?? 'HTTP/1.1'}`];
  if (req.host !== false && !names.includes('host')) lines.push(`Host: 127.0.0.1:${port}`);
  for (const [name, value] of req.headers) lines.push(name === null ? value : `${name}: ${value}`);
  const body = req.body ?? '';
  const auto =
    req.autoLength ?? (body !== '' && !names.includes('content-length') && !names.includes('transfer-encoding'));
  if (auto) lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  lines.push('Connection: close');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  const payload = Buffer.concat([head, Buffer.from(body, 'latin1')]);

  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const socket = net.connect(port, '127.0.0.1');
    const finish = (outcome: RawOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', ms: Date.now() - started }), req.timeoutMs);
    const tryParse = (ended: boolean) => {
      const parsed = parseResponse(buf, req.method.toUpperCase() === 'HEAD', ended);
      if (parsed) finish({ kind: 'answer', ...parsed, ms: Date.now() - started });
      else if (ended) finish({ kind: 'closed', ms: Date.now() - started });
    };
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    // A reset after the answer was written still leaves the answer in `buf`.
    socket.on('error', (err) => {
      const parsed = parseResponse(buf, req.method.toUpperCase() === 'HEAD', true);
      if (parsed) finish({ kind: 'answer', ...parsed, ms: Date.now() - started });
      else finish({ kind: 'closed', ms: Date.now() - started, error: (err as NodeJS.ErrnoException).code });
    });
  });
}

/** The first final response in `buf`, or undefined if it is not complete yet. */
function parseResponse(buf: Buffer, head: boolean, ended: boolean): Omit<RawResponse, 'ms'> | undefined {
  let offset = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', offset, 'latin1');
    if (end < 0) return undefined;
    const [statusLine, ...headerLines] = buf.subarray(offset, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
    if (!Number.isFinite(status)) return undefined;
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const i = line.indexOf(':');
      if (i > 0) {
        const k = line.slice(0, i).trim().toLowerCase();
        const v = line.slice(i + 1).trim();
        headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
      }
    }
    const bodyStart = end + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    if (head || status === 204 || status === 304) return { status, headers, body: '' };
    const rest = buf.subarray(bodyStart);
    if (headers['content-length'] !== undefined) {
      const len = Number(headers['content-length']);
      if (rest.length < len) return ended ? { status, headers, body: rest.toString('utf8') } : undefined;
      return { status, headers, body: rest.subarray(0, len).toString('utf8') };
    }
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const chunks: Buffer[] = [];
      let p = 0;
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', p, 'latin1');
        if (lineEnd < 0) return ended ? { status, headers, body: Buffer.concat(chunks).toString('utf8') } : undefined;
        const size = parseInt(rest.subarray(p, lineEnd).toString('latin1'), 16);
        if (size === 0) return { status, headers, body: Buffer.concat(chunks).toString('utf8') };
        if (rest.length < lineEnd + 2 + size)
          return ended ? { status, headers, body: Buffer.concat(chunks).toString('utf8') } : undefined;
        chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        p = lineEnd + 2 + size + 2;
      }
    }
    return ended ? { status, headers, body: rest.toString('utf8') } : undefined;
  }
}
