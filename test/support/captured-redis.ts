// A gateway alone (no worker pools) whose Redis traffic passes through a capturing TCP proxy, to
// count the commands a request costs the shared Redis.
import { randomUUID } from 'node:crypto';
import { type Stack, startStack } from './stack';
import { TcpProxy } from './tcp-proxy';

export interface CapturedGateway {
  stack: Stack;
  proxy: TcpProxy;
  stop(): Promise<void>;
}

/** How many times the clients sent `command` (a RESP bulk string, as cased) in `text`. */
export const countRedisCommand = (text: string, command: string): number => text.split(`\r\n${command}\r\n`).length - 1;

export async function startGatewayWithCapturedRedis(env: Record<string, string>): Promise<CapturedGateway> {
  const proxy = await TcpProxy.start({ targetPort: 6379, capture: true });
  const stack = await startStack({
    domains: [],
    env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}/0`, REDIS_KEY_PREFIX: `captured-${randomUUID()}:`, ...env },
  }).catch(async (err) => {
    await proxy.close();
    throw err;
  });
  return {
    stack,
    proxy,
    stop: async () => {
      await stack.stop();
      await proxy.close();
    },
  };
}
