// The client a rate limit counts: its address, normalised so that no spelling and no address the
// same host holds buys a fresh budget. Every limiter key on a client address goes through here.
//
// IPv4: the address itself. IPv6: its /64 prefix, written expanded and lower-case
// (`2001:0db8:0000:0001::/64`): one host (one customer line, one VM) is routinely given a whole
// /64 (RFC 6177, SLAAC privacy addresses rotate inside it), so per /128 a client could rotate the
// low 64 bits for a fresh budget on every request. IPv4-mapped IPv6 (`::ffff:192.0.2.1`, as a
// dual-stack socket reports an IPv4 client) is the IPv4 address. A zone ID (`fe80::1%eth0`),
// brackets and a port (`[2001:db8::1]:443`, `192.0.2.1:8080`, as some proxies append them) are
// dropped. Anything else is not an address (only a misconfigured proxy passes one): it is keyed as
// given, trimmed, lower-cased and cut to 64 characters.
import { isIPv4, isIPv6 } from 'node:net';

/** The prefix length an IPv6 client is keyed on. */
export const IPV6_CLIENT_PREFIX_BITS = 64;

const MAX_RAW_KEY = 64;

/** The eight 16-bit groups of a valid IPv6 address (zone ID already removed). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  // An embedded IPv4 address in the last 32 bits (`::ffff:192.0.2.1`, `64:ff9b::192.0.2.1`).
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[2].split('.').map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = `${dotted[1]}0`; // a placeholder group, replaced by the two below
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  if (dotted) (right.length ? right : left).pop();
  const fill = 8 - tail.length - left.length - right.length;
  return [...left, ...Array<number>(rest === undefined ? 0 : fill).fill(0), ...right, ...tail];
}

/** The rate-limit key of a client address (see the head of this file). */
export function clientKey(ip: string | undefined): string {
  let text = (ip ?? '').trim().toLowerCase();
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1];
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  const zone = text.indexOf('%');
  const address = zone >= 0 && text.includes(':') ? text.slice(0, zone) : text;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return text.slice(0, MAX_RAW_KEY) || 'unknown';
  const groups = ipv6Groups(address);
  // ::ffff:a.b.c.d (IPv4-mapped, RFC 4291 §2.5.5.2): the IPv4 client it stands for.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  const prefix = groups.slice(0, IPV6_CLIENT_PREFIX_BITS / 16).map((g) => g.toString(16).padStart(4, '0'));
  return `${prefix.join(':')}::/${IPV6_CLIENT_PREFIX_BITS}`;
}
