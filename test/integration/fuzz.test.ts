// Property-based fuzzing of every operation in the OpenAPI document: valid and malformed
// bodies, hostile path and query parameters, as anonymous, customer and admin. The property:
// the gateway never answers 5xx, and every error is problem+json. Bounded in count and time.
import fc from 'fast-check';
import { openApiDocument } from '../../api/openapi';
import { type OpenApiDoc, malformedValue, operations, pathArbitrary, queryArbitrary, validValue } from '../support/openapi-arbitraries';
import { type Stack, startStack } from '../support/stack';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
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

describe.each(operations(doc).filter((o) => !skip.has(o.path)).map((o) => [`${o.method} ${o.path}`, o] as const))('%s', (_name, { method, path, op }) => {
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  const body = bodySchema ? fc.oneof(validValue(doc, bodySchema), malformedValue(doc, bodySchema)) : fc.constant(undefined);

  it('never answers 5xx, whatever the input and the caller', async () => {
    await fc.assert(
      fc.asyncProperty(pathArbitrary(path), queryArbitrary(op), body, fc.constantFrom('anonymous', 'customer', 'admin') as fc.Arbitrary<keyof typeof tokens>, async (p, q, b, who) => {
        const res = await stack.request(method, p + q, { body: b, token: tokens[who] });
        tally.requests++;
        if (res.status >= 500) tally.fiveHundreds++;
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(res.headers.get('content-type')).toContain('application/problem+json');
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 60_000 },
    );
  }, 120_000);
});
