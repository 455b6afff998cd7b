// The log-context plumbing without a server: the header codec shared by the client, workflow
// and activity interceptors, the client and activity interceptors themselves (with a recording
// `next`), the default Web UI summaries, and the sandbox safety of the workflow interceptor
// module in every domain's bundle. The end-to-end proof (one request ID in the gateway and worker
// log lines) is test/integration/observability.test.ts.
import { bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowStartInput, WorkflowStartUpdateInput } from '@temporalio/client';
import type { Context as ActivityContext } from '@temporalio/activity';
import { activityLogContextInterceptor } from '../../activities/shared/log-context.interceptor';
import { currentLogContext, runWithLogContext } from '../../common/log-context';
import { logContextClientInterceptor } from '../../common/temporal';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../workers/run-worker';
import { workerSpecs } from '../../workers/specs';
import {
  LOG_CONTEXT_HEADER,
  decodeLogContext,
  defaultActivitySummary,
  defaultWorkflowSummary,
  describeProgress,
  encodeLogContext,
  humanizeName,
  logContextFromArgs,
  mergeLogContext,
  sanitizeLogContext,
  withLogContextHeader,
} from '../../workflows/shared/log-context.interceptors';

const ORDER = '0b8f6a52-5d0e-4c3e-9a57-3f1f6a0c2d11';
const USER = '7d4c1e0a-1111-4b2b-8c3c-9d9e9f000001';

describe('log context codec', () => {
  it('round-trips the known keys through a header payload', () => {
    const headers = withLogContextHeader({}, { requestId: 'req-1', userId: USER, orderId: ORDER });
    expect(Object.keys(headers)).toEqual([LOG_CONTEXT_HEADER]);
    expect(decodeLogContext(headers)).toEqual({ requestId: 'req-1', userId: USER, orderId: ORDER });
  });

  it('drops unknown keys and unsafe values, and never throws on a malformed header', () => {
    expect(sanitizeLogContext({ requestId: 'ok-1', orderId: 'x'.repeat(200), userId: 'a b', email: 'a@b.c' })).toEqual({
      requestId: 'ok-1',
    });
    expect(sanitizeLogContext('nope')).toEqual({});
    expect(
      decodeLogContext({
        [LOG_CONTEXT_HEADER]: {
          metadata: { encoding: new TextEncoder().encode('json/plain') },
          data: new TextEncoder().encode('{not json'),
        },
      }),
    ).toEqual({});
    expect(decodeLogContext(undefined)).toEqual({});
    expect(decodeLogContext({ [LOG_CONTEXT_HEADER]: encodeLogContext({ requestId: 'r' }) })).toEqual({
      requestId: 'r',
    });
  });

  it('leaves headers alone when there is nothing to carry', () => {
    const h = { other: encodeLogContext({ requestId: 'x' }) };
    expect(withLogContextHeader(h, {})).toBe(h);
    expect(withLogContextHeader(h, undefined)).toBe(h);
  });

  it('merges inner over outer and takes subject keys from an input object', () => {
    expect(mergeLogContext({ requestId: 'a', userId: 'u1' }, { requestId: 'b', orderId: undefined })).toEqual({
      requestId: 'b',
      userId: 'u1',
    });
    expect(logContextFromArgs([{ orderId: ORDER, userId: USER, email: 'x@y.z' }])).toEqual({
      orderId: ORDER,
      userId: USER,
    });
    expect(logContextFromArgs(['s'])).toEqual({});
    expect(logContextFromArgs([])).toEqual({});
  });
});

describe('Node log context (AsyncLocalStorage)', () => {
  it('is visible through awaits inside the run and absent outside it', async () => {
    expect(currentLogContext()).toBeUndefined();
    const user = { sub: undefined as string | undefined };
    await runWithLogContext(
      {
        requestId: 'req-als',
        get userId() {
          return user.sub;
        },
      },
      async () => {
        expect(currentLogContext()).toEqual({ requestId: 'req-als' });
        user.sub = USER; // set later in the request, by authentication
        await new Promise((r) => setTimeout(r, 1));
        expect(currentLogContext()).toEqual({ requestId: 'req-als', userId: USER });
      },
    );
    expect(currentLogContext()).toBeUndefined();
  });
});

describe('client interceptor', () => {
  const interceptor = logContextClientInterceptor();
  const startInput = (options: Record<string, unknown>): WorkflowStartInput =>
    ({
      workflowType: 'placeOrder',
      headers: {},
      options: {
        workflowId: `order-${ORDER}`,
        taskQueue: 'orders',
        args: [{ orderId: ORDER, userId: USER, lines: [{}, {}] }],
        ...options,
      },
    }) as unknown as WorkflowStartInput;

  it('sends the request context plus the input subject keys in the start header, the request ID in the memo, and a summary', async () => {
    let seen: WorkflowStartInput | undefined;
    await runWithLogContext({ requestId: 'req-start' }, () =>
      interceptor.startWithDetails!(startInput({}), async (input) => {
        seen = input;
        return { runId: 'r', eagerlyStarted: false };
      }),
    );
    expect(decodeLogContext(seen!.headers)).toEqual({ requestId: 'req-start', orderId: ORDER, userId: USER });
    expect(seen!.options.memo).toEqual({ requestId: 'req-start' });
    expect(seen!.options.staticSummary).toBe(`Order ${ORDER.slice(0, 8)} · 2 lines · customer ${USER.slice(0, 8)}`);
  });

  it('keeps a memo and summary the caller set, and adds nothing outside a request', async () => {
    let seen: WorkflowStartInput | undefined;
    await runWithLogContext({ requestId: 'req-2' }, () =>
      interceptor.startWithDetails!(
        startInput({ memo: { requestId: 'mine', other: 1 }, staticSummary: 'Mine' }),
        async (input) => {
          seen = input;
          return { runId: 'r', eagerlyStarted: false };
        },
      ),
    );
    expect(seen!.options.memo).toEqual({ requestId: 'mine', other: 1 });
    expect(seen!.options.staticSummary).toBe('Mine');

    const update = {
      updateName: 'cancelOrder',
      args: [{ actor: 'admin' }],
      headers: {},
      workflowExecution: { workflowId: 'w' },
      options: {},
    } as unknown as WorkflowStartUpdateInput;
    let sent: WorkflowStartUpdateInput | undefined;
    await interceptor.startUpdate!(update, async (input) => {
      sent = input;
      return { updateId: 'u', workflowRunId: 'r' };
    });
    expect(sent!.headers).toEqual({});
  });

  it('sends only the request context (not the workflow subject) with updates', async () => {
    let sent: WorkflowStartUpdateInput | undefined;
    const update = {
      updateName: 'cancelOrder',
      args: [{ actor: 'admin' }],
      headers: {},
      workflowExecution: { workflowId: 'w' },
      options: {},
    } as unknown as WorkflowStartUpdateInput;
    await runWithLogContext({ requestId: 'req-cancel', userId: 'admin-1' }, () =>
      interceptor.startUpdate!(update, async (input) => {
        sent = input;
        return { updateId: 'u', workflowRunId: 'r' };
      }),
    );
    expect(decodeLogContext(sent!.headers)).toEqual({ requestId: 'req-cancel', userId: 'admin-1' });
  });
});

describe('activity interceptor', () => {
  it('opens the log context from the header and the input, and adds it to log attributes', async () => {
    const { inbound, outbound } = activityLogContextInterceptor({} as ActivityContext);
    let inside: unknown;
    const result = await inbound!.execute!(
      { args: [{ orderId: ORDER }], headers: withLogContextHeader({}, { requestId: 'req-act', userId: USER }) },
      async () => {
        inside = currentLogContext();
        return 'done';
      },
    );
    expect(result).toBe('done');
    expect(inside).toEqual({ requestId: 'req-act', userId: USER, orderId: ORDER });
    expect(outbound!.getLogAttributes!({ activityType: 'chargePayment' }, (a) => a)).toEqual({
      activityType: 'chargePayment',
      requestId: 'req-act',
      userId: USER,
      orderId: ORDER,
    });
  });
});

describe('Web UI summaries', () => {
  it('reads activity and workflow types as steps, without personal data', () => {
    expect(humanizeName('chargePayment')).toBe('Charge payment');
    expect(defaultActivitySummary('reserveStock')).toBe('Reserve stock');
    expect(defaultActivitySummary('reserveStock', [{ orderId: ORDER, lines: [{}, {}] }])).toBe(
      'Reserve stock (2 lines)',
    );
    expect(defaultActivitySummary('priceLines', [[{}]])).toBe('Price lines (1 line)');
    expect(defaultActivitySummary('chargePayment', [{ orderId: ORDER, amountCents: 7197, currency: 'USD' }])).toBe(
      'Charge 71.97 USD',
    );
    expect(defaultActivitySummary('refundPayment', [{ orderId: ORDER, amountCents: 500, currency: 'EUR' }])).toBe(
      'Refund 5.00 EUR',
    );
    expect(defaultActivitySummary('recordTransition', [{ orderId: ORDER, from: 'PAID', to: 'SHIPPED' }])).toBe(
      'Record PAID → SHIPPED',
    );
    expect(defaultActivitySummary('startOrderEmail', [{ orderId: ORDER, template: 'order-paid' }])).toBe(
      'Send "order-paid" e-mail',
    );
    expect(defaultActivitySummary('deliverEmail', [{ template: 'welcome', userId: USER }])).toBe(
      'Deliver "welcome" e-mail',
    );
    expect(defaultActivitySummary('chargePayment', [{}])).toBe('Charge payment');
    expect(defaultWorkflowSummary('registerUser', [{ userId: USER, email: 'ann@example.test', name: 'Ann' }])).toBe(
      `Register customer ${USER.slice(0, 8)}`,
    );
    expect(defaultWorkflowSummary('sendEmail', [{ template: 'order-paid', userId: USER }])).toBe(
      `Send "order-paid" e-mail to user ${USER.slice(0, 8)}`,
    );
    expect(defaultWorkflowSummary('purgeProductCache', [{ productId: ORDER }])).toBe(
      `Purge product cache · product ${ORDER.slice(0, 8)}`,
    );
    expect(defaultWorkflowSummary('placeOrder', [])).toBe('Order');
  });

  it('describes progress in words from the order search attributes and the steps in flight', () => {
    expect(describeProgress({ status: 'PAID', totalCents: 5998, steps: [], requestId: 'req-9' })).toBe(
      '**Paid: waiting to be shipped or cancelled**\n\nTotal: 59.98\n\nLast request: `req-9`',
    );
    expect(describeProgress({ steps: ['Reserve stock'] })).toBe('In progress: Reserve stock');
  });
});

describe('workflow interceptor module', () => {
  it('is registered for every worker and bundles into every domain without Node or I/O libraries', async () => {
    expect(WORKFLOW_INTERCEPTOR_MODULES).toEqual([require.resolve('../../workflows/shared/log-context.interceptors')]);
    for (const spec of Object.values(workerSpecs)) {
      const { code } = await bundleWorkflowCode({
        workflowsPath: spec!.workflowsPath,
        workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
        logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never,
      });
      expect(code).toContain(LOG_CONTEXT_HEADER);
      for (const forbidden of ['typeorm', 'ioredis', 'mysql2', 'nodemailer', 'bcrypt', 'pino', 'koa', 'prom-client'])
        expect([spec!.domain, code.includes(`node_modules/${forbidden}/`)]).toEqual([spec!.domain, false]);
    }
  }, 120_000);
});
