// A small TCP proxy for failure tests: put it between the shop and MariaDB or Redis, count what
// goes through it, and cut the connection for real.
//   cut('reset')     every open connection is reset and new ones are reset at once (a server
//                    or a port that is down: clients fail fast with ECONNRESET);
//   cut('blackhole') open connections stop carrying bytes and new ones are accepted but never
//                    answered (a network partition: clients hang until their own timeouts);
//   restore()        drops whatever the cut left half-open and forwards again.
// Optionally it keeps a copy of what clients sent (`capture`), e.g. to see which SQL went where.
import net from 'node:net';

export type CutMode = 'reset' | 'blackhole';

export interface TcpProxyOptions {
  targetPort: number;
  targetHost?: string;
  /** Keep a copy of the bytes clients send (the last `captureLimit` bytes). */
  capture?: boolean;
  captureLimit?: number;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  frozen: boolean;
}

export class TcpProxy {
  /** Cumulative counters since start (or the last resetStats). */
  readonly stats = { connections: 0, rejected: 0, bytesToTarget: 0, bytesFromTarget: 0 };
  port = 0;

  private readonly server: net.Server;
  private readonly pairs = new Set<Pair>();
  private readonly held = new Set<net.Socket>();
  private mode: 'open' | CutMode = 'open';
  private captured: Buffer[] = [];
  private capturedBytes = 0;

  private constructor(private readonly opts: TcpProxyOptions) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async start(opts: TcpProxyOptions): Promise<TcpProxy> {
    const proxy = new TcpProxy(opts);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy.port = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  get state(): 'open' | CutMode {
    return this.mode;
  }

  /** Connections currently forwarded. */
  get openConnections(): number {
    return this.pairs.size;
  }

  cut(mode: CutMode = 'reset'): void {
    this.mode = mode;
    for (const pair of [...this.pairs]) {
      if (mode === 'reset') this.drop(pair, true);
      else pair.frozen = true;
    }
  }

  restore(): void {
    for (const pair of [...this.pairs]) if (pair.frozen) this.drop(pair, true);
    for (const socket of [...this.held]) socket.destroy();
    this.held.clear();
    this.mode = 'open';
  }

  /** What clients sent through the proxy (latin1, so binary protocol bytes survive). */
  captureText(): string {
    return Buffer.concat(this.captured).toString('latin1');
  }

  clearCapture(): void {
    this.captured = [];
    this.capturedBytes = 0;
  }

  resetStats(): void {
    Object.assign(this.stats, { connections: 0, rejected: 0, bytesToTarget: 0, bytesFromTarget: 0 });
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.drop(pair, false);
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'reset') {
      this.stats.rejected++;
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'blackhole') {
      this.stats.rejected++;
      this.held.add(client);
      client.on('close', () => this.held.delete(client));
      return;
    }
    this.stats.connections++;
    const upstream = net.connect(this.opts.targetPort, this.opts.targetHost ?? '127.0.0.1');
    upstream.on('error', () => undefined);
    const pair: Pair = { client, upstream, frozen: false };
    this.pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (pair.frozen) return;
      this.stats.bytesToTarget += chunk.length;
      this.record(chunk);
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (pair.frozen) return;
      this.stats.bytesFromTarget += chunk.length;
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
    const end = () => {
      if (!pair.frozen) this.drop(pair, false);
    };
    client.on('close', end);
    upstream.on('close', end);
  }

  private drop(pair: Pair, reset: boolean): void {
    this.pairs.delete(pair);
    if (reset && !pair.client.destroyed) pair.client.resetAndDestroy();
    else pair.client.destroy();
    pair.upstream.destroy();
  }

  private record(chunk: Buffer): void {
    if (!this.opts.capture) return;
    const limit = this.opts.captureLimit ?? 4 * 1024 * 1024;
    this.captured.push(Buffer.from(chunk));
    this.capturedBytes += chunk.length;
    while (this.capturedBytes > limit && this.captured.length > 1) this.capturedBytes -= this.captured.shift()!.length;
  }
}
