// The rate limits' client key (api/middleware/client-key.ts): an IPv6 client is its /64, however
// the address is spelt; an IPv4-mapped address is its IPv4 client; what is no address stays apart.
import { clientKey } from '../../api/middleware/client-key';

describe('clientKey', () => {
  it('keys an IPv4 address as itself (with a port or spaces dropped)', () => {
    expect(clientKey('192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey(' 192.0.2.1 ')).toBe('192.0.2.1');
    expect(clientKey('192.0.2.1:8080')).toBe('192.0.2.1');
    expect(clientKey('192.0.2.2')).not.toBe(clientKey('192.0.2.1'));
  });

  it('keys an IPv6 address on its /64, expanded and lower-case, whatever the compression', () => {
    const key = '2001:0db8:0000:0001::/64';
    for (const spelling of [
      '2001:db8:0:1::1',
      '2001:DB8:0:1::1',
      '2001:0db8:0000:0001:0000:0000:0000:0001',
      '2001:db8::1:0:0:0:1', // the :: is the third group: the same /64
      '2001:db8:0:1:ffff:ffff:ffff:ffff',
      '2001:db8:0:1:a:b:c:d',
      '2001:db8:0:1::',
      '2001:db8:0:1:0:5efe:192.0.2.1', // an embedded IPv4 tail is interface bits
      '[2001:db8:0:1::2]',
      '[2001:db8:0:1::2]:443',
    ])
      expect([spelling, clientKey(spelling)]).toEqual([spelling, key]);
  });

  it('tells different /64s apart, including ones that differ only in the fourth group', () => {
    expect(clientKey('2001:db8:0:2::1')).toBe('2001:0db8:0000:0002::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:0db8:0000:0000::/64');
    expect(clientKey('::1')).toBe('0000:0000:0000:0000::/64');
    expect(clientKey('::')).toBe('0000:0000:0000:0000::/64');
    expect(clientKey('fe80:1:2:3:4::')).toBe('fe80:0001:0002:0003::/64');
  });

  it('drops a zone ID', () => {
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0000:0000:0000::/64');
    expect(clientKey('fe80::abcd%25en0')).toBe('fe80:0000:0000:0000::/64');
    expect(clientKey('[fe80::1%eth0]:80')).toBe('fe80:0000:0000:0000::/64');
  });

  it('keys an IPv4-mapped IPv6 address as the IPv4 client, dotted or in hex', () => {
    expect(clientKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('::FFFF:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('0:0:0:0:0:ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('::ffff:c000:201')).toBe('192.0.2.1');
    // Not mapped: the deprecated IPv4-compatible form and NAT64 are IPv6 addresses.
    expect(clientKey('::192.0.2.1')).toBe('0000:0000:0000:0000::/64');
    expect(clientKey('64:ff9b::192.0.2.1')).toBe('0064:ff9b:0000:0000::/64');
  });

  it('keys what is no address as given (trimmed, lower-cased, bounded), never as an address', () => {
    expect(clientKey('Not-An-IP')).toBe('not-an-ip');
    expect(clientKey('2001:db8::1::2')).toBe('2001:db8::1::2');
    expect(clientKey('2001:db8:0:1:2:3:4:5:6')).toBe('2001:db8:0:1:2:3:4:5:6');
    expect(clientKey('256.1.1.1')).toBe('256.1.1.1');
    expect(clientKey('12345::1')).toBe('12345::1');
    expect(clientKey('x'.repeat(500))).toBe('x'.repeat(64));
    expect(clientKey('')).toBe('unknown');
    expect(clientKey(undefined)).toBe('unknown');
  });
});
