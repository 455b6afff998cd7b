// The gateway's HTTP server settings. Node closes an idle keep-alive connection after 5 s by
// default, shorter than the idle timeout of the proxies in front of it (60 s on AWS ALB, nginx
// upstream keep-alive, most ingress controllers): a proxy reusing a connection the gateway is
// closing gets a reset, which the client sees as a 502 or ECONNRESET. So the gateway keeps idle
// connections longer than any proxy, and waits for headers a little longer still (Node requires
// headersTimeout > keepAliveTimeout).
import type { Server } from 'node:http';

export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

const CONNECT_REFUSED = JSON.stringify({
  type: 'https://temporal-shop.dev/problems/method-not-allowed',
  title: 'Method not allowed',
  status: 405,
  detail: 'CONNECT is not supported: this is not a proxy',
  code: 'METHOD_NOT_ALLOWED',
});

export function configureHttpServer<S extends Server>(server: S): S {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  // Node hands CONNECT to a 'connect' listener and, without one, drops the connection unanswered.
  server.on('connect', (_req, socket) => {
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(CONNECT_REFUSED)}\r\nConnection: close\r\n\r\n${CONNECT_REFUSED}`,
    );
  });
  return server;
}
