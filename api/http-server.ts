// The gateway's HTTP server settings. Node closes an idle keep-alive connection after 5 s by
// default, shorter than the idle timeout of the proxies in front of it (60 s on AWS ALB, nginx
// upstream keep-alive, most ingress controllers): a proxy reusing a connection the gateway is
// closing gets a reset, which the client sees as a 502 or ECONNRESET. So the gateway keeps idle
// connections longer than any proxy, and waits for headers a little longer still (Node requires
// headersTimeout > keepAliveTimeout).
//
// Some requests never reach Koa: Node's parser refuses them (a lower-case or junk method, a NUL
// or backslash in the target, a malformed or oversized header, Content-Length with
// Transfer-Encoding), and Node itself answers an unknown Expect and a CONNECT. Node's own answers
// to those are bare status lines without a body; here they are problem+json like every other error.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ProblemError } from './problem';

export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * Header lines a request may have. Node keeps at most `maxHeadersCount` of them and drops the
 * rest without a word, and the dropped ones may be the ones that matter: the X-Forwarded-For line
 * the proxy appended last (the rate limit then keys on the proxy's address), or Authorization.
 * So the server keeps this many, and the app refuses a request that reaches it (api/app.ts).
 * Browsers send about 20, proxies add about 10.
 */
export const MAX_HEADER_LINES = 200;

/** The problem+json body of an answer written outside Koa. */
const problem = (status: number, code: string, title: string, detail: string) =>
  JSON.stringify(new ProblemError(status, code, title, detail).toProblem());

/** A whole response written on a bare socket, which is then closed (`extra`: header lines, each ending in CRLF). */
function rawAnswer(status: number, reason: string, body: string, extra = ''): string {
  return (
    `HTTP/1.1 ${status} ${reason}\r\n${extra}Content-Type: application/problem+json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

const CONNECT_REFUSED = rawAnswer(
  405,
  'Method Not Allowed',
  problem(405, 'METHOD_NOT_ALLOWED', 'Method not allowed', 'CONNECT is not supported: this is not a proxy'),
);

/** Node's parser errors, as Node's own default answer classifies them. */
function parserRefusal(code: string | undefined, extra = ''): string {
  if (code === 'HPE_HEADER_OVERFLOW')
    return rawAnswer(
      431,
      'Request Header Fields Too Large',
      problem(431, 'HEADERS_TOO_LARGE', 'Request header fields too large', 'The request line and headers exceed 16 KB'),
      extra,
    );
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return rawAnswer(
      408,
      'Request Timeout',
      problem(408, 'REQUEST_TIMEOUT', 'Request timeout', 'The request did not arrive in time'),
      extra,
    );
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW')
    return rawAnswer(
      413,
      'Payload Too Large',
      problem(413, 'PAYLOAD_TOO_LARGE', 'Payload too large', 'The chunk extensions exceed the size limit'),
      extra,
    );
  return rawAnswer(
    400,
    'Bad Request',
    problem(400, 'MALFORMED_REQUEST', 'Malformed request', 'The request is not valid HTTP/1.1'),
    extra,
  );
}

const EXPECTATION_FAILED = problem(
  417,
  'EXPECTATION_FAILED',
  'Expectation failed',
  'The only expectation supported is 100-continue',
);

export function configureHttpServer<S extends Server>(server: S): S {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  server.maxHeadersCount = MAX_HEADER_LINES;
  // Node answers an HTTP/1.1 request without Host with a bare 400; the app refuses it instead
  // (api/app.ts), as problem+json.
  // (The option is read per request; @types/node types it only as a createServer option.)
  (server as unknown as { requireHostHeader: boolean }).requireHostHeader = false;
  // Node hands CONNECT to a 'connect' listener and, without one, drops the connection unanswered.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.end(CONNECT_REFUSED);
  });
  // A parse error belongs either to the request being answered on this socket (a bad chunk in
  // its body) or to bytes after it (the junk past a short Content-Length, parsed as the next
  // request). In the second case the request in flight was whole and is being served: its own
  // answer goes out, and the connection closes after it (Node's default would answer 400 in its
  // place, telling the client that a request which took effect did not). In the first case it
  // is refused, unless its answer has already begun (a second status line would corrupt it; a
  // 100 Continue is not one). A reset connection is left alone.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: ServerResponse | null }) => {
    const inFlight = socket._httpMessage;
    if (err.code !== 'ECONNRESET' && inFlight && !inFlight.writableEnded && inFlight.req?.complete) {
      inFlight.shouldKeepAlive = false;
      return;
    }
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    // A request refused halfway through its body has been counted and logged under its ID.
    const requestId = inFlight?.getHeader('X-Request-Id');
    socket.end(parserRefusal(err.code, typeof requestId === 'string' ? `X-Request-Id: ${requestId}\r\n` : ''));
  });
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(417, {
      'Content-Type': 'application/problem+json',
      'Content-Length': Buffer.byteLength(EXPECTATION_FAILED),
      Connection: 'close',
    });
    res.end(EXPECTATION_FAILED);
  });
  return server;
}
