// The webhook SSRF guard: the address classifier over the ranges it must refuse (and public
// addresses it must not), IPv6 forms that embed IPv4, the URL rules, and resolution: a name is
// judged by every address it resolves to, also inside the connection's own lookup.
import type { LookupAddress } from 'node:dns';
import {
  checkTarget,
  classifyAddress,
  guardedLookup,
  parseIPv6,
  TargetRefusedError,
} from '../../common/webhooks/target-guard';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.0.192', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:c0a8:0101::1', 'private'], // 6to4 of 192.168.1.1
    ['[::1]', 'loopback'],
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '192.169.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBe('public');
  });

  it('is not fooled by spellings', () => {
    expect(classifyAddress('0:0:0:0:0:0:0:1')).toBe('loopback');
    expect(classifyAddress('0000::0001')).toBe('loopback');
    expect(classifyAddress('example.com')).toBeUndefined();
    expect(classifyAddress('127.1')).toBeUndefined(); // not an address literal (a name, resolved, then judged)
    expect(parseIPv6('::ffff:127.0.0.1')).toBe(parseIPv6('::ffff:7f00:1'));
  });
});

const resolver =
  (table: Record<string, string[]>) =>
  async (host: string): Promise<LookupAddress[]> => {
    const addrs = table[host];
    if (!addrs) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addrs.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('checkTarget', () => {
  const resolve = resolver({
    'public.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    'mixed.example': ['93.184.215.14', '10.0.0.5'],
    'metadata.example': ['169.254.169.254'],
    localhost: ['127.0.0.1', '::1'],
  });

  it('accepts a public name and returns its addresses', async () => {
    await expect(checkTarget('https://public.example/hooks', { allowPrivate: false, resolve })).resolves.toHaveLength(
      2,
    );
  });

  it.each([
    ['http://127.0.0.1:8080/x', /loopback/],
    ['http://[::1]/x', /loopback/],
    ['http://localhost/x', /loopback/],
    ['http://metadata.example/latest', /metadata/],
    ['http://mixed.example/x', /private/], // one private address among public ones is enough
    ['http://[fd12::1]/x', /unique-local/],
    ['http://nowhere.example/x', /does not resolve/],
    ['ftp://public.example/x', /only http and https/],
    ['file:///etc/passwd', /only http and https/],
    ['https://user:pw@public.example/x', /credentials/],
    ['not a url', /not a URL/],
  ])('refuses %s', async (url, why) => {
    const err = await checkTarget(url, { allowPrivate: false, resolve }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetRefusedError);
    expect((err as Error).message).toMatch(why);
  });

  it('tells a resolver outage (transient) from a name that does not exist', async () => {
    const failing = async () => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN x'), { code: 'EAI_AGAIN' });
    };
    const outage = await checkTarget('https://x.example/', { allowPrivate: false, resolve: failing }).catch((e) => e);
    expect(outage).toMatchObject({ transient: true });
    const missing = await checkTarget('https://nowhere.example/', { allowPrivate: false, resolve }).catch((e) => e);
    expect(missing).toMatchObject({ transient: false });
  });

  it('allows private targets with the flag, never another scheme', async () => {
    await expect(checkTarget('http://127.0.0.1:8080/x', { allowPrivate: true, resolve })).resolves.toEqual([
      '127.0.0.1',
    ]);
    await expect(checkTarget('gopher://127.0.0.1/x', { allowPrivate: true, resolve })).rejects.toThrow(/only http/);
  });
});

describe('guardedLookup (the connection’s own resolution)', () => {
  const call = (lookup: ReturnType<typeof guardedLookup>, host: string, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown }>((done) =>
      lookup(host, { all }, (err, address) => done({ err, address })),
    );

  it('refuses a name that now resolves to a private address (DNS rebinding)', async () => {
    let answer = ['93.184.215.14'];
    const resolve = async () => answer.map((address) => ({ address, family: 4 }));
    const lookup = guardedLookup({ allowPrivate: false, resolve });
    expect(await call(lookup, 'rebind.example', false)).toEqual({ err: null, address: '93.184.215.14' });
    answer = ['127.0.0.1'];
    const second = await call(lookup, 'rebind.example', true);
    expect(second.err).toBeInstanceOf(TargetRefusedError);
    expect(second.address).toEqual([]);
  });
});
