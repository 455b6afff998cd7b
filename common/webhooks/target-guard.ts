// The SSRF guard of webhook targets. A target URL is http or https, without credentials, and
// every address its host resolves to must be public: loopback, private (RFC 1918), shared (CGNAT),
// link-local (cloud metadata at 169.254.169.254 included), unique-local IPv6 (fd00:ec2::254
// included), multicast, reserved and documentation ranges are refused, and so are IPv6 forms that
// embed an IPv4 address (mapped, NAT64, 6to4) when the embedded one is. Checked when an endpoint is
// registered or changed, and again at every delivery on the very addresses the connection uses
// (guardedLookup), so a name that resolves elsewhere later (DNS rebinding) is refused then.
// WEBHOOK_ALLOW_PRIVATE_TARGETS=true turns the address check off (never the scheme check).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'metadata';

/** Why a target is refused (the API answers 422 WEBHOOK_TARGET_REFUSED with it). */
export class TargetRefusedError extends Error {
  readonly type = 'WebhookTargetRefused';
  /** The resolver failed for now (EAI_AGAIN, no answer in time): the same URL may pass later. */
  readonly transient: boolean;
  constructor(message: string, opts: { transient?: boolean } = {}) {
    super(message);
    this.name = 'TargetRefusedError';
    this.transient = opts.transient ?? false;
  }
}

export function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** The 128-bit value of an IPv6 address (zone ID ignored), or undefined. */
export function parseIPv6(input: string): bigint | undefined {
  let s = input.replace(/^\[|\]$/g, '');
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIP(s) !== 6) return undefined;
  // A trailing dotted quad is the last 32 bits.
  const quad = /(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(s);
  if (quad) {
    const v4 = parseIPv4(quad[1]!)!;
    s = `${s.slice(0, -quad[1]!.length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

const V4: Array<[string, number, AddressClass]> = [
  ['169.254.169.254', 32, 'metadata'], // AWS, GCP, Azure, OpenStack instance metadata
  ['100.100.100.200', 32, 'metadata'], // Alibaba Cloud
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments (192.0.0.192: Oracle Cloud metadata)
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'], // 6to4 relay anycast
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // and 255.255.255.255
].map(([net, bits, cls]) => [net as string, bits as number, cls as AddressClass]);

export function classifyIPv4(address: string | number): AddressClass {
  const value = typeof address === 'number' ? address : parseIPv4(address);
  if (value === undefined) throw new TypeError(`not an IPv4 address: ${String(address)}`);
  for (const [net, bits, cls] of V4) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((value & mask) >>> 0 === (parseIPv4(net)! & mask) >>> 0) return cls;
  }
  return 'public';
}

const v6 = (s: string) => parseIPv6(s)!;
const inPrefix = (value: bigint, net: bigint, bits: number) =>
  value >> BigInt(128 - bits) === net >> BigInt(128 - bits);

export function classifyIPv6(address: string | bigint): AddressClass {
  const value = typeof address === 'bigint' ? address : parseIPv6(address);
  if (value === undefined) throw new TypeError(`not an IPv6 address: ${String(address)}`);
  const low32 = Number(value & 0xffffffffn);
  if (value === 0n) return 'unspecified';
  if (value === 1n) return 'loopback';
  if (value === v6('fd00:ec2::254')) return 'metadata'; // AWS IPv6 instance metadata
  // Forms that carry an IPv4 address: judged by it.
  if (inPrefix(value, v6('::ffff:0:0'), 96)) return classifyIPv4(low32); // IPv4-mapped
  if (inPrefix(value, v6('64:ff9b::'), 96)) return classifyIPv4(low32); // NAT64
  if (inPrefix(value, v6('2002::'), 16)) return classifyIPv4(Number((value >> 80n) & 0xffffffffn)); // 6to4
  if (inPrefix(value, v6('::'), 96)) return 'reserved'; // IPv4-compatible (deprecated)
  if (inPrefix(value, v6('64:ff9b:1::'), 48)) return 'reserved'; // local-use NAT64
  if (inPrefix(value, v6('100::'), 64)) return 'reserved'; // discard-only
  if (inPrefix(value, v6('2001::'), 32)) return 'reserved'; // Teredo (tunnels to anywhere)
  if (inPrefix(value, v6('2001:db8::'), 32)) return 'documentation';
  if (inPrefix(value, v6('3fff::'), 20)) return 'documentation';
  if (inPrefix(value, v6('fc00::'), 7)) return 'unique-local';
  if (inPrefix(value, v6('fe80::'), 10)) return 'link-local';
  if (inPrefix(value, v6('fec0::'), 10)) return 'private'; // site-local (deprecated)
  if (inPrefix(value, v6('ff00::'), 8)) return 'multicast';
  return 'public';
}

/** The class of an IP address literal (v4 or v6), or undefined when it is not one. */
export function classifyAddress(address: string): AddressClass | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return classifyIPv4(bare);
  if (parseIPv6(bare) !== undefined) return classifyIPv6(bare);
  return undefined;
}

export interface GuardOptions {
  allowPrivate: boolean;
  /** DNS resolution, all addresses (injectable for tests; default dns.lookup). */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

const systemResolve = (hostname: string): Promise<LookupAddress[]> =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/** The URL's scheme and form: http(s), a host, no credentials. Throws TargetRefusedError. */
export function parseTargetUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefusedError('the target is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TargetRefusedError('only http and https targets are allowed');
  if (url.username || url.password) throw new TargetRefusedError('the target URL must not carry credentials');
  if (!url.hostname) throw new TargetRefusedError('the target URL has no host');
  return url;
}

/** Refuses an address the guard does not allow (TargetRefusedError). */
export function assertAllowedAddress(address: string, opts: Pick<GuardOptions, 'allowPrivate'>): void {
  if (opts.allowPrivate) return;
  const cls = classifyAddress(address);
  if (cls === undefined) throw new TargetRefusedError(`${address} is not an IP address`);
  if (cls !== 'public')
    throw new TargetRefusedError(
      `the target resolves to ${address}, a ${cls} address (set WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow it)`,
    );
}

/**
 * Checks a target URL: the form, then every address its host resolves to. Returns the addresses.
 * A host that does not resolve is refused too.
 */
export async function checkTarget(raw: string, opts: GuardOptions): Promise<string[]> {
  const url = parseTargetUrl(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await (opts.resolve ?? systemResolve)(host)).map((a) => a.address);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new TargetRefusedError(`the target host ${host} does not resolve (${code})`, {
        transient: code === 'EAI_AGAIN' || code === 'ETIMEOUT',
      });
    }
    if (!addresses.length) throw new TargetRefusedError(`the target host ${host} does not resolve`);
  }
  for (const address of addresses) assertAllowedAddress(address, opts);
  return addresses;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that resolves the host and refuses the connection when any of
 * its addresses is not allowed: the check and the connection use the same answer, so a DNS
 * answer that changes between them cannot slip a private address past the guard.
 */
export function guardedLookup(opts: GuardOptions) {
  return (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback) => {
    (opts.resolve ?? systemResolve)(hostname).then(
      (addresses) => {
        try {
          if (!addresses.length) throw new TargetRefusedError(`the target host ${hostname} does not resolve`);
          for (const a of addresses) assertAllowedAddress(a.address, opts);
        } catch (err) {
          callback(err as NodeJS.ErrnoException, options.all ? [] : '', undefined);
          return;
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, options.all ? [] : '', undefined),
    );
  };
}
