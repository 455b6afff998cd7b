// Property-based fuzzing of every operation in the OpenAPI document: valid and malformed
// bodies, hostile path and query parameters, as anonymous, customer and admin. The property:
// the gateway never answers 5xx, and every error is problem+json. Bounded in count and time.
import fc from 'fast-check';
import { openApiDocument } from '../../api/openapi';
import {
  type OpenApiDoc,
  malformedValue,
  operations,
  pathArbitrary,
  queryArbitrary,
  validValue,
} from '../support/openapi-arbitraries';
import { type Stack, startStack } from '../support/stack';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
let stack: Stack;
let tokens: Record<'anonymous' | 'customer' | 'admin', string | undefined>;
const doc = openApiDocument() as unknown as OpenApiDoc;
const tally = { requests: 0, fiveHundreds: 0 };

beforeAll(async () => {
  stack = await startStack();
  tokens = { anonymous: undefined, customer: (await stack.customer('Fuzzy')).token, admin: await stack.adminToken() };
});
afterAll(async () => {
  await stack?.stop();
  console.log(`fuzz: ${tally.requests} requests, ${tally.fiveHundreds} responses >= 500`);
});

const skip = new Set(['/metrics']); // text exposition, not JSON

describe.each(
  operations(doc)
    .filter((o) => !skip.has(o.path))
    .map((o) => [`${o.method} ${o.path}`, o] as const),
)('%s', (_name, { method, path, op }) => {
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  const body = bodySchema
    ? fc.oneof(validValue(doc, bodySchema), malformedValue(doc, bodySchema))
    : fc.constant(undefined);

  it('never answers 5xx, whatever the input and the caller', async () => {
    await fc.assert(
      fc.asyncProperty(
        pathArbitrary(path),
        queryArbitrary(op),
        body,
        fc.constantFrom('anonymous', 'customer', 'admin') as fc.Arbitrary<keyof typeof tokens>,
        async (p, q, b, who) => {
          const res = await stack.request(method, p + q, { body: b, token: tokens[who] });
          tally.requests++;
          if (res.status >= 500) tally.fiveHundreds++;
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) expect(res.headers.get('content-type')).toContain('application/problem+json');
        },
      ),
      { numRuns: RUNS, interruptAfterTimeLimit: 60_000 },
    );
  }, 120_000);
});

describe('negative control', () => {
  it('the same property fails against a deliberately broken handler', async () => {
    const Koa = (await import('koa')).default;
    const { bodyParser } = await import('@koa/bodyparser');
    const { errorHandler } = await import('../../api/middleware/error-handler');
    const { createLogger } = await import('../../common/logger');
    const app = new Koa();
    app.use(async (ctx, next) => {
      ctx.state.log = createLogger({}, 'silent');
      await next();
    });
    app.use(errorHandler() as never);
    app.use(bodyParser() as never);
    // Broken on purpose: trusts the body's shape, so a malformed body is an unhandled TypeError.
    app.use((ctx) => {
      const body = (ctx.request as unknown as { body: { name: string } }).body;
      ctx.body = { upper: body.name.toUpperCase() };
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const schema = doc.components.schemas.RegisterRequest;
    const result = await fc.check(
      fc.asyncProperty(fc.oneof(validValue(doc, schema), malformedValue(doc, schema)), async (b) => {
        const res = await fetch(base, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(b),
        });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
    server.close();
    expect(result.failed).toBe(true);
  });
});
