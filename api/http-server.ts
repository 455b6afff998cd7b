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

/** The problem+json body of an answer written outside Koa. */
const problem = (status: number, code: string, title: string, detail: string) =>
  JSON.stringify(new ProblemError(status, code, title, detail).toProblem());

/** A whole response written on a bare socket, which is then closed. */
function rawAnswer(status: number, reason: string, body: string): string {
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

const CONNECT_REFUSED = rawAnswer(
  405,
  'Method Not Allowed',
  problem(405, 'METHOD_NOT_ALLOWED', 'Method not allowed', 'CONNECT is not supported: this is not a proxy'),
);

/** Node's parser errors, as Node's own default answer classifies them. */
function parserRefusal(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW')
    return rawAnswer(
      431,
      'Request Header Fields Too Large',
      problem(431, 'HEADERS_TOO_LARGE', 'Request header fields too large', 'The request line and headers exceed 16 KB'),
    );
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return rawAnswer(
      408,
      'Request Timeout',
      problem(408, 'REQUEST_TIMEOUT', 'Request timeout', 'The request did not arrive in time'),
    );
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW')
    return rawAnswer(
      413,
      'Payload Too Large',
      problem(413, 'PAYLOAD_TOO_LARGE', 'Payload too large', 'The chunk extensions exceed the size limit'),
    );
  return rawAnswer(
    400,
    'Bad Request',
    problem(400, 'MALFORMED_REQUEST', 'Malformed request', 'The request is not valid HTTP/1.1'),
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
  // Node answers an HTTP/1.1 request without Host with a bare 400; the app refuses it instead
  // (api/app.ts), as problem+json.
  // (The option is read per request; @types/node types it only as a createServer option.)
  (server as unknown as { requireHostHeader: boolean }).requireHostHeader = false;
  // Node hands CONNECT to a 'connect' listener and, without one, drops the connection unanswered.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.end(CONNECT_REFUSED);
  });
  // As Node's default listener does: answer unless the response in flight on this socket has
  // already sent its head (a second status line would corrupt it; a 100 Continue is not a
  // head), and leave a reset connection alone.
  server.on(
    'clientError',
    (err: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent?: boolean } | null }) => {
      if (err.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
        socket.destroy();
        return;
      }
      socket.end(parserRefusal(err.code));
    },
  );
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
