// Property-based fuzzing of the gateway's edge (issue 13): every operation of the OpenAPI
// document × methods (the standard ones, odd tokens, lower case) × spellings of its path (case,
// slashes, percent-encoding, dot segments, overlong, unicode, null bytes, absolute-form) × header
// variants (Authorization missing, duplicated, forged or junk; Content-Type, charset,
// Content-Length and Content-Encoding that lie; Idempotency-Key, X-Request-Id, X-Forwarded-For,
// Accept junk; huge and malformed header lines), sent over a bare socket so nothing normalises
// them. For every answer:
//   - it arrives within a bound (a body that never comes within the body deadline plus slack);
//   - its status is documented for the operation the method and path name, or one of the generic
//     edge statuses of docs/security.md; never 5xx unless the operation documents it;
//   - an error is problem+json with type, title, status (the real one), detail and code;
//   - no spelling, method or header reaches a handler with less than the operation's access
//     rule (ACCESS_RULES): the handler answering (2xx, 409, 422, a handler's 404 or 400) to a
//     caller whose best token is below the rule is a violation;
// and, on a stack of its own with a small general limit, every request that reaches the app,
// however spelt, is counted: once the budget is spent, no route serves one.
//
// Deterministic: FUZZ_EDGE_SEED (default 13), FUZZ_EDGE_RUNS (default 300), FUZZ_EDGE_LIMIT_RUNS
// (default 6 sequences of 14 to 20 requests); fast-check prints the seed and path of a
// counterexample, the failure and the tally print the seed too. FUZZ_EDGE_COLLECT=1 lists every
// violation of the first property instead of stopping at the first (to hunt with other seeds).
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { openApiDocument } from '../../api/openapi';
import { ACCESS_RULES, type AccessRule } from '../support/access-judge';
import { type OpenApiDoc, operations, validValue } from '../support/openapi-arbitraries';
import { type RawOutcome, type RawRequest, rawRequest, utf8Bytes } from '../support/raw-http';
import { type Stack, startStack } from '../support/stack';

const SEED = Number(process.env.FUZZ_EDGE_SEED ?? 13);
const RUNS = Number(process.env.FUZZ_EDGE_RUNS ?? 300);
/** The gateway's wait for a declared body that does not come (REQUEST_BODY_TIMEOUT_MS here). */
const BODY_TIMEOUT_MS = 1500;
/** Every other request: the route deadline of this stack (3 s) plus slack for a loaded machine. */
const ANSWER_BOUND_MS = 8000;
/** Statuses any request may get at the edge, whatever its operation (docs/security.md). */
const GENERIC = new Set([400, 401, 403, 404, 405, 406, 408, 411, 413, 414, 415, 417, 429, 431]);
const PROBLEM_FIELDS = ['type', 'title', 'status', 'detail', 'code'];

const doc = openApiDocument() as unknown as OpenApiDoc;
const ops = operations(doc);
/**
 * The operation a request target names for the router (case-insensitive, an optional trailing
 * slash, parameters any one segment), if any: a spelling may name another operation than the
 * one it was made from (GET /api/users/login is GET /api/users/{id} with id "login").
 */
function reached(method: string, target: string) {
  const path = target.replace(/^https?:\/\/[^/]*/, '').split(/[?#]/)[0];
  return ops.find(
    (o) => o.method === method && new RegExp(`^${o.path.replace(/\{\w+\}/g, '[^/]+')}/?$`, 'i').test(path),
  );
}

type Who = 'anonymous' | 'customer' | 'admin';
const RANK: Record<Who, number> = { anonymous: 0, customer: 1, admin: 2 };
const REQUIRED: Record<AccessRule, number> = { public: 0, user: 1, owner: 1, customer: 1, admin: 2 };

// --- methods -------------------------------------------------------------------------------------

const STANDARD = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];
const ODD = ['PURGE', 'PROPFIND', 'LOCK', 'MKCOL', 'SEARCH', 'CONNECT', 'FOO', 'M-SEARCH', 'QUERY'];
const methodArb = (canonical: string) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant(canonical) },
    { weight: 2, arbitrary: fc.constantFrom(...STANDARD) },
    { weight: 1, arbitrary: fc.constantFrom(...ODD) },
    { weight: 1, arbitrary: fc.constantFrom(canonical.toLowerCase(), canonical[0] + canonical.slice(1).toLowerCase()) },
  );

// --- path spellings ------------------------------------------------------------------------------

const randomCase = (p: string, r: number) =>
  [...p].map((c, i) => ((r >> (i % 31)) & 1 ? c.toUpperCase() : c.toLowerCase())).join('');
const encodeOne = (p: string, r: number) => {
  const letters = [...p.matchAll(/[a-z]/g)].map((m) => m.index!);
  const i = letters[r % letters.length];
  return `${p.slice(0, i)}%${p.charCodeAt(i).toString(16).toUpperCase()}${p.slice(i + 1)}`;
};
const lastSlash = (p: string) => p.lastIndexOf('/');
const SPELLINGS: Record<string, (p: string, r: number) => string> = {
  canonical: (p) => p,
  upper: (p) => p.toUpperCase(),
  randomCase,
  trailingSlash: (p) => `${p}/`,
  trailingSlashes: (p) => `${p}//`,
  leadingDoubleSlash: (p) => `/${p}`,
  innerDoubleSlash: (p) => p.replace('/api/', '/api//'),
  percentOne: encodeOne,
  percentAll: (p) => p.replace(/[a-z]/g, (c) => `%${c.charCodeAt(0).toString(16)}`),
  encodedSlash: (p) => `${p.slice(0, lastSlash(p))}%2F${p.slice(lastSlash(p) + 1)}`,
  dot: (p) => p.replace('/api/', '/api/./'),
  dotDot: (p) => p.replace('/api/', '/api/x/../'),
  encodedDotDot: (p) => p.replace('/api/', '/api/x/%2e%2e/'),
  trailingDot: (p) => `${p}/.`,
  backslash: (p) => p.replace(/\//g, '\\'),
  semicolon: (p) => `${p};jsessionid=1`,
  overlongSegment: (p, r) => `${p}/${'a'.repeat([2_000, 9_000, 20_000][r % 3])}`,
  overlongQuery: (p, r) => `${p}?q=${'x'.repeat([3_000, 30_000][r % 2])}`,
  manySlashes: (p) => `${p}${'/'.repeat(4_000)}`,
  unicodeRaw: (p) => utf8Bytes(`${p}/ü🙂`),
  unicodeFullwidth: (p) => utf8Bytes(p.replace('api', 'ａｐｉ')),
  unicodeEncoded: (p) => `${p}/%C3%BC%F0%9F%99%82`,
  nullRaw: (p) => `${p}\u0000`,
  nullEncoded: (p) => `${p}%00`,
  badPercent: (p) => `${p}/%E0%A4%A`,
  lonePercent: (p) => `${p}%`,
  badQuery: (p) => `${p}?limit=%&cursor=%E0%A4%A&__proto__[x]=1&limit=2`,
  absoluteForm: (p) => `http://127.0.0.1${p}`,
  noLeadingSlash: (p) => p.slice(1),
  asterisk: () => '*',
  fragment: (p) => `${p}#frag`,
  tab: (p) => `${p}\t`,
};
const spellingArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant('canonical') },
  { weight: 5, arbitrary: fc.constantFrom(...Object.keys(SPELLINGS)) },
);

// --- requests ------------------------------------------------------------------------------------

interface Draft {
  headers: Array<[string | null, string]>;
  body?: string;
  autoLength?: boolean;
  host?: boolean;
  version?: string;
  /** The highest role among the valid tokens the request carries. */
  granted: Who;
  stalls?: boolean;
}
type Variant = (d: Draft, r: number) => void;

let tokens: Record<Who, string | undefined> = { anonymous: undefined, customer: undefined, admin: undefined };
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const setHeader = (d: Draft, name: string, value: string) => {
  d.headers = d.headers.filter(([n]) => n?.toLowerCase() !== name.toLowerCase());
  d.headers.push([name, value]);
};
const bodyLength = (d: Draft) => Buffer.byteLength(d.body ?? '', 'latin1');

/** The caller's Authorization, as sent (the caller's own token, or a mangling of it, or junk). */
const AUTH: Record<string, (who: Who) => { lines: string[]; granted: Who }> = {
  asCaller: (who) => ({ lines: tokens[who] ? [`Bearer ${tokens[who]}`] : [], granted: who }),
  none: () => ({ lines: [], granted: 'anonymous' }),
  empty: () => ({ lines: [''], granted: 'anonymous' }),
  bearerOnly: () => ({ lines: ['Bearer'], granted: 'anonymous' }),
  bearerJunk: () => ({ lines: ['Bearer a.b.c'], granted: 'anonymous' }),
  bearerSpaces: (who) => ({ lines: [`Bearer  ${tokens[who] ?? 'x.y.z'} `], granted: who }),
  lowerScheme: (who) => ({ lines: [`bearer ${tokens[who] ?? 'x.y.z'}`], granted: who }),
  trailingJunk: (who) => ({ lines: [`Bearer ${tokens[who] ?? 'x.y.z'} admin`], granted: who }),
  basic: () => ({ lines: ['Basic YWRtaW46YWRtaW4='], granted: 'anonymous' }),
  duplicateValidFirst: (who) => ({ lines: [`Bearer ${tokens[who] ?? 'x.y.z'}`, 'Bearer junk'], granted: who }),
  duplicateJunkFirst: (who) => ({ lines: ['Bearer junk.junk.junk', `Bearer ${tokens[who] ?? 'x.y.z'}`], granted: who }),
  forgedAlgNone: () => ({
    lines: [`Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: randomUUID(), role: 'admin', ver: 0 })}.`],
    granted: 'anonymous',
  }),
  forgedOtherKey: () => ({
    lines: [`Bearer ${jwt.sign({ sub: randomUUID(), role: 'admin' }, 'some-other-key-that-is-32-bytes-long!!')}`],
    granted: 'anonymous',
  }),
  customerRoleEdited: () => {
    const [h, , s] = (tokens.customer ?? 'x.y.z').split('.');
    return { lines: [`Bearer ${h}.${b64({ sub: randomUUID(), role: 'admin' })}.${s}`], granted: 'anonymous' };
  },
  huge: () => ({ lines: [`Bearer ${'a'.repeat(12_000)}.b.c`], granted: 'anonymous' }),
  tooHuge: () => ({ lines: [`Bearer ${'a'.repeat(40_000)}.b.c`], granted: 'anonymous' }),
  latin1: () => ({ lines: ['Bearer \u00e9\u00e9.\u00e9.\u00e9'], granted: 'anonymous' }),
};

/** Variants named by the value they send (for the report and the examples). */
const each = (values: string[], f: (v: string) => Variant): Record<string, Variant> =>
  Object.fromEntries(values.map((v) => [v.length > 24 ? `${v.slice(0, 12)}…(${v.length})` : JSON.stringify(v), f(v)]));
const header =
  (...lines: Array<[string | null, string]>): Variant =>
  (d) =>
    d.headers.push(...lines);

const GROUPS: Record<string, Record<string, Variant>> = {
  contentType: {
    none: (d) => (d.headers = d.headers.filter(([n]) => n !== 'Content-Type')),
    ...each(
      [
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'application/json;charset=UTF-16',
        'application/json; charset="utf-8"',
        'application/json; charset=nonsense',
        'APPLICATION/JSON',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        ';;;',
        'application/problem+json',
        'application/json, text/html',
        '',
      ],
      (v) => (d) => setHeader(d, 'Content-Type', v),
    ),
    duplicate: (d) => d.headers.unshift(['Content-Type', 'text/plain']),
  },
  length: {
    short: (d) => ((d.autoLength = false), d.headers.push(['Content-Length', String(Math.max(bodyLength(d) - 3, 0))])),
    // Declares more than it sends: the gateway must give up on the rest within its body deadline.
    long: (d) => {
      d.body ??= '{}';
      d.autoLength = false;
      d.stalls = true;
      d.headers.push(['Content-Length', String(bodyLength(d) + 10)]);
    },
    nan: (d) => ((d.autoLength = false), d.headers.push(['Content-Length', 'abc'])),
    negative: (d) => ((d.autoLength = false), d.headers.push(['Content-Length', '-1'])),
    overflow: (d) => ((d.autoLength = false), d.headers.push(['Content-Length', '99999999999999999999'])),
    // Declares far more than the body limit: refused before a byte of it is read.
    pastLimit: (d) => ((d.autoLength = false), d.headers.push(['Content-Length', '10000000'])),
    conflicting: (d) => {
      d.autoLength = false;
      d.headers.push(['Content-Length', String(bodyLength(d))], ['Content-Length', String(bodyLength(d) + 1)]);
    },
    withChunked: (d) => {
      d.autoLength = false;
      d.headers.push(['Content-Length', String(bodyLength(d))], ['Transfer-Encoding', 'chunked']);
    },
    chunked: (d) => {
      const body = d.body ?? '{}';
      d.autoLength = false;
      d.headers.push(['Transfer-Encoding', 'chunked']);
      d.body = `${Buffer.byteLength(body, 'latin1').toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    },
    badChunk: (d) => {
      d.autoLength = false;
      d.headers.push(['Transfer-Encoding', 'chunked']);
      d.body = `zz\r\n${d.body ?? '{}'}\r\n0\r\n\r\n`;
    },
    unknownCoding: (d) => ((d.autoLength = false), d.headers.push(['Transfer-Encoding', 'foo'])),
    chunkedNotLast: (d) => ((d.autoLength = false), d.headers.push(['Transfer-Encoding', 'chunked, gzip'])),
  },
  encoding: {
    gzipOverPlain: header(['Content-Encoding', 'gzip']),
    gzip: (d) => {
      d.headers.push(['Content-Encoding', 'gzip']);
      d.body = gzipSync(Buffer.from(d.body ?? '{}', 'latin1')).toString('latin1');
    },
    ...each(['br', 'deflate', 'x-unknown', 'identity'], (v) => header(['Content-Encoding', v])),
  },
  idempotencyKey: {
    ...each(['k'.repeat(300), 'k'.repeat(256), '', 'caf\u00e9', 'a key with spaces', '\t', '../../etc', '%00'], (v) =>
      header(['Idempotency-Key', v]),
    ),
    duplicate: (d) => d.headers.push(['Idempotency-Key', randomUUID()], ['Idempotency-Key', randomUUID()]),
  },
  requestId: {
    ...each(['<script>', 'r'.repeat(200), 'caf\u00e9', '../../x', '', 'a b', '${jndi:ldap://x}'], (v) =>
      header(['X-Request-Id', v]),
    ),
    duplicate: header(['X-Request-Id', 'one'], ['X-Request-Id', 'two']),
  },
  forwardedFor: {
    ...each(
      [
        'not-an-ip',
        '1.2.3.4, junk',
        Array.from({ length: 500 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join(', '),
        '[::1]:80',
        '',
        '999.999.999.999',
        ', , ,',
      ],
      (v) => header(['X-Forwarded-For', v]),
    ),
    duplicate: header(['X-Forwarded-For', '1.1.1.1'], ['X-Forwarded-For', '2.2.2.2']),
    protoAndHost: header(['X-Forwarded-Proto', 'gopher'], ['X-Forwarded-Host', 'evil.example']),
  },
  accept: each(
    ['text/html', 'application/xml', '*/*', 'application/problem+json', ';;;', 'application/json;q=0', 'image/png', ''],
    (v) => header(['Accept', v]),
  ),
  size: {
    header8k: header(['X-Pad', 'a'.repeat(8_000)]),
    header20k: header(['X-Pad', 'a'.repeat(20_000)]),
    headers300: header(...Array.from({ length: 300 }, (_, i): [string, string] => [`X-Pad-${i}`, 'p'.repeat(64)])),
    headers2100: header(...Array.from({ length: 2_100 }, (_, i): [string, string] => [`X-${i}`, '1'])),
  },
  malformed: {
    spaceInName: header([null, 'X-Bad Name: v']),
    noColon: header([null, 'NoColonHere']),
    nulInValue: header(['X-Nul', 'a\u0000b']),
    obsFold: header(['X-Folded', 'a'], [null, ' continued']),
    unicodeName: header([utf8Bytes('X-Ünïcode'), 'v']),
    emptyName: header([null, ': no name']),
    crInValue: header(['X-CR', 'a\rb']),
  },
  expect: { continue: header(['Expect', '100-continue']), other: header(['Expect', 'something-else']) },
  version: each(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/0.9', 'HTTP/3', 'http/1.1', 'HTTP/1.1 x'], (v) => (d) => {
    d.version = v;
  }),
  host: {
    missing: (d) => (d.host = false),
    duplicate: header(['Host', '127.0.0.1'], ['Host', 'evil.example']),
    junk: header(['Host', 'a b']),
  },
  override: {
    methodOverride: header(['X-HTTP-Method-Override', 'DELETE']),
    rewriteUrl: header(['X-Original-URL', '/api/products'], ['X-Rewrite-URL', '/api/orders']),
  },
  origin: {
    null: header(['Origin', 'null']),
    preflight: header(['Origin', 'https://evil.example'], ['Access-Control-Request-Method', 'DELETE']),
  },
};

// Most header variants stop a request at the parser: at most two a request, and a third of the
// requests with none, so that enough of them reach the routes.
const groupsArb = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...Object.keys(GROUPS)), fc.nat()), {
    minLength: 1,
    maxLength: 2,
    selector: ([g]) => g,
  })
  .map((xs) =>
    xs.map(([g, i]) => {
      const names = Object.keys(GROUPS[g]);
      return [g, names[i % names.length]] as const;
    }),
  );

interface Case {
  op: (typeof ops)[number];
  method: string;
  spelling: string;
  r: number;
  id: string;
  who: Who;
  auth: string;
  groups: ReadonlyArray<readonly [group: string, variant: string]>;
  body: unknown;
}

function caseArb(opsToUse: typeof ops, ids: () => string[]): fc.Arbitrary<Case> {
  return fc.constantFrom(...opsToUse).chain((op) => {
    const schema = op.op.requestBody?.content?.['application/json']?.schema;
    return fc.record({
      op: fc.constant(op),
      method: methodArb(op.method),
      spelling: spellingArb,
      r: fc.nat(),
      id: fc.oneof(fc.constantFrom(...ids()), fc.uuid()),
      who: fc.constantFrom<Who>('anonymous', 'customer', 'admin'),
      auth: fc.oneof(
        { weight: 4, arbitrary: fc.constant('asCaller') },
        { weight: 3, arbitrary: fc.constantFrom(...Object.keys(AUTH)) },
      ),
      groups: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: groupsArb }),
      body: schema ? fc.option(validValue(doc, schema), { freq: 5, nil: undefined }) : fc.constant(undefined),
    });
  });
}

interface Built {
  request: RawRequest;
  granted: Who;
  stalls: boolean;
  bound: number;
  describe: string;
}

function build(c: Case): Built {
  const filled = c.op.path.replace(/\{\w+\}/g, c.id);
  const target = SPELLINGS[c.spelling](filled, c.r);
  const auth = AUTH[c.auth](c.who);
  const d: Draft = { headers: auth.lines.map((l): [string, string] => ['Authorization', l]), granted: auth.granted };
  if (c.body !== undefined) {
    d.body = JSON.stringify(c.body);
    d.headers.push(['Content-Type', 'application/json']);
  }
  for (const [g, v] of c.groups) GROUPS[g][v](d, c.r);
  const bound = d.stalls ? BODY_TIMEOUT_MS + ANSWER_BOUND_MS : ANSWER_BOUND_MS;
  return {
    request: {
      method: c.method,
      target,
      headers: d.headers,
      body: d.body,
      autoLength: d.autoLength,
      host: d.host,
      version: d.version,
      timeoutMs: bound,
    },
    granted: d.granted,
    stalls: d.stalls ?? false,
    bound,
    describe: `${c.method} ${JSON.stringify(target.slice(0, 120))} (${c.op.method} ${c.op.path}, spelling ${c.spelling}, ${c.who}/${c.auth}, ${c.groups.map(([g, v]) => `${g}=${v}`).join(' ') || 'no header variant'})`,
  };
}

// --- the verdict ---------------------------------------------------------------------------------

/** FUZZ_EDGE_COLLECT=1: list every violation instead of stopping at (and shrinking) the first. */
const COLLECT = process.env.FUZZ_EDGE_COLLECT === '1';
const collected: string[] = [];
const tally = { requests: 0, byStatus: new Map<string, number>(), violations: 0 };
const count = (key: string) => tally.byStatus.set(key, (tally.byStatus.get(key) ?? 0) + 1);

/** What is wrong with the answer, or undefined. */
function verdict(c: Case, b: Built, out: RawOutcome): string | undefined {
  if (out.kind === 'timeout') return `no answer within ${b.bound} ms`;
  if (out.kind === 'closed') return `connection closed without an answer (${out.error ?? 'EOF'}) after ${out.ms} ms`;
  const { status, headers, body } = out;
  const method = c.method.toUpperCase();
  const actual = c.method === method ? reached(method === 'HEAD' ? 'GET' : method, b.request.target) : undefined;
  const documented = new Set(Object.keys(actual?.op.responses ?? {}).map(Number));
  const allowed = status < 400 ? documented : new Set([...documented, ...GENERIC]);
  if (method === 'OPTIONS' && (status === 200 || status === 204)) allowed.add(status);
  if (!allowed.has(status)) return `status ${status} is neither documented for ${method} ${c.op.path} nor generic`;
  let problem: Record<string, unknown> | undefined;
  if (status >= 400) {
    if (!(headers['content-type'] ?? '').includes('application/problem+json'))
      return `error ${status} is not problem+json (content-type ${JSON.stringify(headers['content-type'])}, body ${JSON.stringify(body.slice(0, 80))})`;
    if (method !== 'HEAD') {
      try {
        problem = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return `error ${status} body is not JSON: ${JSON.stringify(body.slice(0, 80))}`;
      }
      const missing = PROBLEM_FIELDS.filter((f) => problem![f] === undefined);
      if (missing.length) return `problem lacks ${missing.join(', ')}`;
      if (problem.status !== status) return `problem.status ${String(problem.status)} differs from status ${status}`;
    }
  }
  // Did a handler answer? Its own statuses, or a 404/400 that a handler (not the router or the
  // edge) writes: those need the operation's access rule met by the request's best token.
  const handlerAnswered =
    (status >= 200 && status < 300 && method !== 'OPTIONS') ||
    status === 409 ||
    status === 422 ||
    (status === 404 && problem !== undefined && !String(problem.detail).startsWith('No route')) ||
    (status === 400 &&
      problem !== undefined &&
      (Array.isArray(problem.errors) || /JSON object/.test(String(problem.detail))));
  const rule = actual ? ACCESS_RULES[`${actual.method} ${actual.path}`] : undefined;
  if (handlerAnswered && !actual)
    return `${method} ${b.request.target.slice(0, 80)} reached a handler of no documented operation (${status})`;
  if (handlerAnswered && rule && RANK[b.granted] < REQUIRED[rule])
    return `reached a handler with ${status} although the best token (${b.granted}) is below the rule "${rule}"`;
  return undefined;
}

async function send(stack: Stack, c: Case): Promise<{ b: Built; out: RawOutcome }> {
  const b = build(c);
  const out = await rawRequest(Number(new URL(stack.baseUrl).port), b.request);
  tally.requests++;
  count(out.kind === 'answer' ? String(out.status) : out.kind);
  return { b, out };
}

function report(c: Case, b: Built, out: RawOutcome, why: string) {
  tally.violations++;
  const got = out.kind === 'answer' ? `${out.status} ${JSON.stringify(out.body.slice(0, 160))}` : out.kind;
  return `${why}\n  request: ${b.describe}\n  answer: ${got}\n  (FUZZ_EDGE_SEED=${SEED})`;
}

/** A signed-in customer; the registration may outlast this stack's short route deadline (202). */
async function customerOf(stack: Stack): Promise<{ id: string; token: string }> {
  const email = `edge-${randomUUID()}@example.test`;
  const password = 'correct horse battery';
  const reg = await stack.request('POST', '/api/users/register', { body: { email, password, name: 'Edge' } });
  for (let i = 0; i < 60; i++) {
    const login = await stack.request('POST', '/api/users/login', { body: { email, password } });
    if (login.status === 200) return { id: reg.body.id, token: login.body.accessToken };
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`customer never signed in (register answered ${reg.status})`);
}

// A hand-made case: each defect the property found is kept as one (docs/security.md has the
// line it failed with before its fix).
const example = (key: string, c: Partial<Case>): Case => ({
  op: ops.find((o) => `${o.method} ${o.path}` === key)!,
  method: key.split(' ')[0],
  spelling: 'canonical',
  r: 0,
  id: randomUUID(),
  who: 'anonymous',
  auth: 'asCaller',
  groups: [],
  body: undefined,
  ...c,
});
const group = (name: string, variant: string) => [name, variant] as const;

afterAll(() => {
  if (collected.length) console.log(collected.join('\n'));
  const statuses = [...tally.byStatus].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s}: ${n}`);
  console.log(
    `fuzz-edge (seed ${SEED}): ${tally.requests} requests, ${tally.violations} violations; answers ${statuses.join(', ')}`,
  );
});

// --- the properties ------------------------------------------------------------------------------

describe('every operation × method × spelling × headers', () => {
  let stack: Stack;
  let ids: string[] = [];
  beforeAll(async () => {
    stack = await startStack({ env: { ROUTE_DEADLINE_MS: '3000', REQUEST_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS) } });
    const customer = await customerOf(stack);
    tokens = { anonymous: undefined, customer: customer.token, admin: await stack.adminToken() };
    ids = [customer.id];
    for (const product of fc.sample(validValue(doc, doc.components.schemas.CreateProductRequest), {
      seed: SEED,
      numRuns: 3,
    })) {
      const res = await stack.request('POST', '/api/products', { token: tokens.admin, body: product });
      if (res.status === 201) ids.push(res.body.id);
    }
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it.each([
    ['a lower-case method', example('POST /api/users/login', { method: 'post' })],
    ['a NUL byte in the path', example('GET /api/products', { spelling: 'nullRaw' })],
    ['a backslash path', example('GET /api/products', { spelling: 'backslash' })],
    ['a 20 KB header', example('GET /api/products', { groups: [group('size', 'header20k')] })],
    ['a header line without a colon', example('GET /api/products', { groups: [group('malformed', 'noColon')] })],
    [
      'Content-Length and Transfer-Encoding together',
      example('POST /api/users/login', { body: {}, groups: [group('length', 'withChunked')] }),
    ],
    ['an expectation other than 100-continue', example('GET /api/products', { groups: [group('expect', 'other')] })],
    [
      'a body that never comes',
      example('POST /api/users/login', { body: { email: 'a@b.c' }, groups: [group('length', 'long')] }),
    ],
    [
      'a body that never comes, to an unrouted PATCH',
      example('POST /api/orders', { method: 'PATCH', body: { items: [] }, groups: [group('length', 'long')] }),
    ],
    [
      'a malformed chunk after 100 Continue',
      example('GET /api/products', { groups: [group('length', 'badChunk'), group('expect', 'continue')] }),
    ],
    ['a request without Host', example('GET /readyz', { groups: [group('host', 'missing')] })],
    [
      'a gzip Content-Encoding over a plain body',
      example('POST /api/users/register', { body: { email: 'x' }, groups: [group('encoding', 'gzipOverPlain')] }),
    ],
  ])('answers %s with a bounded problem', async (_name, c) => {
    const { b, out } = await send(stack, c);
    expect(verdict(c, b, out) ?? 'ok').toBe('ok');
  });

  it('refuses a body that breaks off mid-way under the ID its request was counted and logged with', async () => {
    const c = example('POST /api/users/login', { body: { email: 'a@b.c' }, groups: [group('length', 'badChunk')] });
    const { b, out } = await send(stack, c);
    expect(verdict(c, b, out) ?? 'ok').toBe('ok');
    expect(out.kind === 'answer' && out.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a request followed by bytes that are no request with its own answer, not their 400', async () => {
    // The bytes past a Content-Length are the next request on the connection; they are junk, but
    // the request before them was whole, counted and served: a 400 in its place would tell the
    // client that a request which took effect did not.
    const out = await rawRequest(Number(new URL(stack.baseUrl).port), {
      method: 'GET',
      target: '/api/products',
      headers: [['Content-Length', '0']],
      body: '"}',
      autoLength: false,
      timeoutMs: ANSWER_BOUND_MS,
    });
    expect(out.kind === 'answer' ? out.status : out.kind).toBe(200);
  });

  it('answers every request in bound, documented, problem+json, and never below the access rule', async () => {
    await fc.assert(
      fc.asyncProperty(
        caseArb(ops, () => ids),
        async (c) => {
          const { b, out } = await send(stack, c);
          const why = verdict(c, b, out);
          if (why && COLLECT) collected.push(report(c, b, out, why));
          else if (why) throw new Error(report(c, b, out, why));
        },
      ),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 50_000, endOnFailure: false },
    );
  }, 150_000);
});

// --- limits --------------------------------------------------------------------------------------

/** Did the request reach the app (Koa sets X-Request-Id; Node's parser and Expect answers do not)? */
const reachedApp = (out: RawOutcome) =>
  out.kind === 'answer' &&
  out.headers['x-request-id'] !== undefined &&
  // Refused before the limiter, reaching no route: a CORS preflight, and too many header lines.
  !(out.status === 204 && out.headers['access-control-allow-methods'] !== undefined) &&
  out.status !== 431;

/**
 * What is wrong with one client's answers under a general limit of `max`: the requests that reach
 * the app are counted whatever their method, spelling or headers, so the first `max` of them pass
 * the limiter and no route serves any one after them.
 */
function limitVerdict(outs: RawOutcome[], max: number): string | undefined {
  const counted = outs.filter(reachedApp) as Array<Extract<RawOutcome, { kind: 'answer' }>>;
  for (const [i, out] of counted.entries()) {
    // The login limiters have budgets of their own (their RateLimit-Limit): a 429 of theirs within
    // the general budget is theirs to give.
    if (i < max && out.status === 429 && out.headers['ratelimit-limit'] === String(max))
      return `request ${i + 1} of the app was limited within a budget of ${max}`;
    // Past the budget no route serves it: 429, or the parser's own refusal of a request whose
    // body broke off before the limiter had answered.
    if (i >= max && out.status !== 429 && !out.body.includes('"code":"MALFORMED_REQUEST"'))
      return `request ${i + 1} of the app got ${out.status} past a budget of ${max}`;
  }
  return undefined;
}

describe('the general limit, whatever the spelling', () => {
  const MAX = 6;
  let stack: Stack;
  let client = 0;
  beforeAll(async () => {
    stack = await startStack({
      domains: [],
      env: {
        RATE_LIMIT_MAX: String(MAX),
        TRUST_PROXY: 'true',
        TRUST_PROXY_HOPS: '1',
        ROUTE_DEADLINE_MS: '1000',
        REQUEST_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
      },
    });
    // Run alone (-t), this describe still has an admin (the first one's tokens otherwise).
    tokens = { ...tokens, admin: tokens.admin ?? (await stack.adminToken()) };
  });
  afterAll(async () => {
    await stack?.stop();
  });
  const port = () => Number(new URL(stack.baseUrl).port);
  const nextClient = () => `198.18.${++client >> 8}.${client & 255}`;

  it('refuses a request whose header lines Node would cut short, rather than key its limit on the proxy', async () => {
    // The proxy's X-Forwarded-For comes last; past Node's line limit it was dropped, and the
    // limiter keyed on the proxy's address: a spent budget was a fresh one again.
    const ip = nextClient();
    const get = (extra: Array<[string, string]>) =>
      rawRequest(port(), {
        method: 'GET',
        target: '/api/products',
        headers: [...extra, ['X-Forwarded-For', ip]],
        timeoutMs: ANSWER_BOUND_MS,
      });
    for (let i = 0; i < MAX; i++) await get([]);
    const padded = Array.from({ length: 2_100 }, (_, i): [string, string] => [`X-${i}`, '1']);
    const out = await get(padded);
    expect([429, 431]).toContain(out.kind === 'answer' ? out.status : out.kind);
  });

  // A catalog write once waited 30 s for its workflow, whatever ROUTE_DEADLINE_MS said.
  it('answers a catalog write within ROUTE_DEADLINE_MS with no catalog worker', async () => {
    const c = example('PUT /api/products/{id}', { who: 'admin', body: { stock: 1 } });
    const b = build(c);
    b.request.headers.push(['X-Forwarded-For', nextClient()]);
    const out = await rawRequest(port(), { ...b.request, timeoutMs: 1000 + 3000 });
    expect(verdict(c, b, out) ?? 'ok').toBe('ok');
  });

  it('counts every request that reaches the app: once the budget is spent, each is 429', async () => {
    // Not the operator endpoints (exempt).
    const limited = ops.filter(
      (o) => ACCESS_RULES[`${o.method} ${o.path}`] && !/^\/(healthz|readyz|metrics)/.test(o.path),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          caseArb(limited, () => [randomUUID()]),
          { minLength: 14, maxLength: 20 },
        ),
        async (cases) => {
          // A fresh client address a run, as the one proxy hop appends it (rightmost): whatever the
          // case writes left of it in X-Forwarded-For is not the client.
          const ip = nextClient();
          const outs: RawOutcome[] = [];
          for (const c of cases) {
            const b = build(c);
            b.request.headers.push(['X-Forwarded-For', ip]);
            const out = await rawRequest(Number(new URL(stack.baseUrl).port), b.request);
            tally.requests++;
            count(out.kind === 'answer' ? String(out.status) : out.kind);
            const why = verdict(c, b, out);
            if (why) throw new Error(report(c, b, out, why));
            outs.push(out);
          }
          const why = limitVerdict(outs, MAX);
          if (why) {
            tally.violations++;
            // Each answer, marked * where it reached the app (and so counts).
            const shown = (o: RawOutcome) =>
              o.kind === 'answer' ? `${o.status}${reachedApp(o) ? '*' : ''} ${o.body.slice(0, 60)}` : o.kind;
            const lines = cases.map((c, i) => `  ${build(c).describe} → ${shown(outs[i])}`);
            throw new Error(`${why} (client ${ip}, FUZZ_EDGE_SEED=${SEED})\n${lines.join('\n')}`);
          }
        },
      ),
      { seed: SEED, numRuns: Number(process.env.FUZZ_EDGE_LIMIT_RUNS ?? 6), interruptAfterTimeLimit: 30_000 },
    );
  }, 90_000);
});

// --- negative controls ---------------------------------------------------------------------------

describe('the verdicts catch what they are for', () => {
  const answer = (status: number, body: object | string, headers: Record<string, string> = {}): RawOutcome => ({
    kind: 'answer',
    status,
    headers: { 'content-type': 'application/problem+json', 'x-request-id': 'r', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ms: 1,
  });
  const problem = (status: number, detail = 'x') => ({ type: 't', title: 't', status, detail, code: 'C' });
  const judge = (c: Case, out: RawOutcome) => verdict(c, build(c), out);

  it('flags a 5xx, a bare error, a wrong problem and a missing answer', () => {
    const c = example('GET /api/products', {});
    expect(judge(c, answer(500, problem(500)))).toMatch(/status 500/);
    expect(judge(c, answer(400, '', { 'content-type': '' }))).toMatch(/not problem\+json/);
    expect(judge(c, answer(400, { title: 'x' }))).toMatch(/lacks type/);
    expect(judge(c, answer(400, problem(404)))).toMatch(/differs/);
    expect(judge(c, { kind: 'timeout', ms: 9000 })).toMatch(/no answer/);
    expect(judge(c, { kind: 'closed', ms: 1 })).toMatch(/closed without an answer/);
    expect(judge(c, answer(201, {}, { 'content-type': 'application/json' }))).toMatch(/neither documented/);
    expect(judge(c, answer(401, problem(401)))).toBeUndefined();
  });

  it('flags a handler that answers a caller below the rule, however the request was spelt', () => {
    const anonymousCreate = example('POST /api/products', { spelling: 'upper', auth: 'forgedAlgNone' });
    expect(judge(anonymousCreate, answer(201, {}, { 'content-type': 'application/json' }))).toMatch(/below the rule/);
    const customerShip = example('PUT /api/orders/{id}/ship', { who: 'customer', spelling: 'trailingSlash' });
    expect(judge(customerShip, answer(404, problem(404, 'Order was not found')))).toMatch(/below the rule/);
    expect(judge(customerShip, answer(404, problem(404, 'No route for PUT /x')))).toBeUndefined();
    expect(judge(customerShip, answer(403, problem(403)))).toBeUndefined();
    const otherMethod = example('GET /api/products/{id}', { method: 'PATCH' });
    expect(judge(otherMethod, answer(200, {}, { 'content-type': 'application/json' }))).toMatch(/neither documented/);
  });

  it('flags a request past the budget that was not limited, and one limited within it', () => {
    const ok = answer(200, {});
    const limited = answer(429, problem(429), { 'ratelimit-limit': '2' });
    const edge = answer(400, problem(400), { 'x-request-id': undefined as never });
    delete (edge as { headers: Record<string, string> }).headers['x-request-id'];
    expect(limitVerdict([ok, edge, ok, limited, limited], 2)).toBeUndefined();
    expect(limitVerdict([ok, ok, ok, limited], 2)).toMatch(/request 3 of the app got 200/);
    const malformed = answer(400, { ...problem(400), code: 'MALFORMED_REQUEST' });
    expect(limitVerdict([ok, ok, malformed, limited], 2)).toBeUndefined();
    expect(limitVerdict([ok, ok, answer(400, problem(400)), limited], 2)).toMatch(/request 3 of the app got 400/);
    expect(limitVerdict([ok, limited, limited], 2)).toMatch(/request 2 of the app was limited/);
    const loginLimited = answer(429, problem(429), { 'ratelimit-limit': '30' });
    expect(limitVerdict([loginLimited, ok, limited], 2)).toBeUndefined();
  });
});
