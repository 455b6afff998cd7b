// Workflow interceptors (sandbox-safe: only @temporalio/* and contracts) for two operator needs.
//
// 1. Log correlation. The gateway's client interceptor puts the correlation keys of the HTTP
//    request (requestId; userId and orderId when known) in the `shop-log-context` header of a
//    workflow start, update or signal. Here they are read back, enriched with the workflow's own
//    orderId/userId (from its input), added to every `log` line of the workflow (getLogAttributes)
//    and forwarded in the same header to the activities, child workflows and signals it starts,
//    so one request can be followed through every worker. An update or signal handler runs with
//    the request ID of the request that sent it (the cancel request, say), not the one that
//    started the workflow; the workflow's subject keys (orderId, userId) stay the same.
// 2. Web UI readability. Activities and child workflows started without a summary get the one
//    their domain declares (workflows/<domain>/summaries.ts, gathered in summary-registry.ts), or
//    else one that reads as a step ("Reserve stock"); a workflow that does not set its own current
//    details gets them from its OrderStatus/OrderTotalCents search attributes and the steps in flight.
//
// Node code (client, activity interceptors) imports the codec and the summary helpers from here,
// so the header format has one definition.
import { defaultPayloadConverter, type Headers, type Payload } from '@temporalio/common';
import {
  AsyncLocalStorage,
  getCurrentDetails,
  log,
  setCurrentDetails,
  workflowInfo,
  type ActivityInput,
  type LocalActivityInput,
  type Next,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { activitySummaries, progressSource, workflowSummaries } from './summary-registry';
import { type SummarySource, humanizeName, plural, shortId } from './summary-text';

/** Correlation keys carried from the HTTP request through workflows and activities. */
export interface LogContext {
  requestId?: string;
  userId?: string;
  orderId?: string;
}

/** Header key of the serialized LogContext (a JSON payload) on starts, updates, signals, activities. */
export const LOG_CONTEXT_HEADER = 'shop-log-context';

const KEYS = ['requestId', 'userId', 'orderId'] as const;
// The same rule as the gateway's X-Request-Id check: headers can come from any namespace client.
const SAFE_VALUE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps only the known keys whose values are short, safe strings. */
export function sanitizeLogContext(value: unknown): LogContext {
  const out: LogContext = {};
  if (!value || typeof value !== 'object') return out;
  for (const key of KEYS) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'string' && SAFE_VALUE.test(v)) out[key] = v;
  }
  return out;
}

/** The subject keys (orderId, userId) of a workflow or activity input object, if it has them. */
export function logContextFromArgs(args: readonly unknown[] | undefined): LogContext {
  const first = args?.[0];
  if (!first || typeof first !== 'object' || Array.isArray(first)) return {};
  const { orderId, userId } = first as Record<string, unknown>;
  return sanitizeLogContext({ orderId, userId });
}

export function encodeLogContext(context: LogContext): Payload {
  return defaultPayloadConverter.toPayload(sanitizeLogContext(context));
}

export function decodeLogContext(headers: Headers | null | undefined): LogContext {
  const payload = headers?.[LOG_CONTEXT_HEADER];
  if (!payload) return {};
  try {
    return sanitizeLogContext(defaultPayloadConverter.fromPayload(payload));
  } catch {
    return {}; // a malformed header never fails the call it rides on
  }
}

/** `headers` plus the log context header (unchanged when the context is empty). */
export function withLogContextHeader(headers: Headers, context: LogContext | undefined): Headers {
  const clean = sanitizeLogContext(context);
  if (!Object.keys(clean).length) return headers;
  return { ...headers, [LOG_CONTEXT_HEADER]: encodeLogContext(clean) };
}

/** `inner` over `outer`, key by key, ignoring unset values. */
export function mergeLogContext(outer: LogContext | undefined, inner: LogContext | undefined): LogContext {
  const out: LogContext = { ...sanitizeLogContext(outer) };
  for (const [k, v] of Object.entries(sanitizeLogContext(inner))) out[k as keyof LogContext] = v;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Summaries: fixed single lines the Web UI and `temporal workflow describe` show instead of bare
// type names, each domain's own where it declares one (summary-registry.ts), else generic.
// Explicit summaries passed by the caller always win over these defaults.

export { humanizeName, shortId } from './summary-text';

function summarySource(type: string, first: unknown): SummarySource {
  const input = (first && typeof first === 'object' ? first : {}) as Record<string, unknown>;
  const str = (k: string) =>
    typeof input[k] === 'string' && SAFE_VALUE.test(input[k] as string) ? (input[k] as string) : undefined;
  return { step: humanizeName(type), input, str };
}

/** Default static summary of a workflow start, from its type and first argument (no personal data). */
export function defaultWorkflowSummary(workflowType: string, args: readonly unknown[] | undefined): string {
  const source = summarySource(workflowType, args?.[0]);
  const own = workflowSummaries.get(workflowType);
  if (own) return own(source);
  const { str } = source;
  const orderId = str('orderId');
  const productId = str('productId');
  const userId = str('userId');
  const key = orderId
    ? `order ${shortId(orderId)}`
    : productId
      ? `product ${shortId(productId)}`
      : userId
        ? `user ${shortId(userId)}`
        : '';
  return [source.step, key].filter(Boolean).join(' · ');
}

/**
 * Default summary of an activity: its type read as a step ("Reserve stock"), with the few input
 * facts that say which step it is (amounts, statuses, counts; no personal data).
 */
export function defaultActivitySummary(activityType: string, args: readonly unknown[] = []): string {
  const source = summarySource(activityType, args[0]);
  const own = activitySummaries.get(activityType);
  if (own) return own(source);
  const { input, step } = source;
  const lines = Array.isArray(args[0]) ? args[0] : Array.isArray(input.lines) ? input.lines : undefined;
  return lines ? `${step} (${plural(lines.length, 'line')})` : step;
}

/**
 * Current details (Temporal markdown) for a workflow in words: its order status and total when it
 * has the order search attributes, and the steps in flight. Exported for workflows that set their
 * own details (`setCurrentDetails(describeProgress(...))`).
 */
export function describeProgress(state: {
  status?: string;
  totalCents?: number;
  steps?: readonly string[];
  requestId?: string;
}): string {
  const lines: string[] = [];
  if (state.status) lines.push(`**${progressSource.statusWords[state.status] ?? state.status}**`);
  if (typeof state.totalCents === 'number') lines.push(`Total: ${(state.totalCents / 100).toFixed(2)}`);
  if (state.steps?.length) lines.push(`In progress: ${state.steps.join(', ')}`);
  if (state.requestId) lines.push(`Last request: \`${state.requestId}\``);
  return lines.join('\n\n');
}

// ---------------------------------------------------------------------------------------------

function failureAttributes(err: unknown): Record<string, unknown> {
  const e = err as { type?: unknown; message?: unknown; name?: unknown };
  return {
    failureType: typeof e?.type === 'string' ? e.type : (e?.name ?? 'Error'),
    failure: String(e?.message ?? err),
  };
}

/** The interceptors of one workflow execution (the factory runs once per execution). */
export function interceptors(): WorkflowInterceptors {
  // The workflow's own context: the start header, then its input's subject keys.
  let base: LogContext = {};
  // The context of the update/signal/query handler running now, if any.
  const handler = new AsyncLocalStorage<LogContext>();
  const current = (): LogContext => handler.getStore() ?? base;
  const handlerContext = (headers: Headers): LogContext => {
    const sent = decodeLogContext(headers);
    // The handler's request ID; the workflow's subject keys where it knows them.
    return mergeLogContext(mergeLogContext(sent, base), sent.requestId ? { requestId: sent.requestId } : {});
  };

  const inFlight: string[] = [];
  let autoDetails: string | undefined;
  let lastRequestId: string | undefined;

  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input, next) {
      base = mergeLogContext(base, logContextFromArgs(input.args));
      lastRequestId = base.requestId;
      return next(input);
    },
    handleUpdate(input, next) {
      const ctx = handlerContext(input.headers);
      lastRequestId = ctx.requestId ?? lastRequestId;
      // One info line per accepted update and its outcome: what an operator needs to see who
      // asked for a state change (the sender's request ID) and how it ended. The SDK adds
      // updateId/updateName; these lines are not repeated on replay.
      return handler.run(ctx, async () => {
        log.info('update accepted');
        try {
          return await next(input);
        } catch (err) {
          log.info('update failed', failureAttributes(err));
          throw err;
        }
      });
    },
    validateUpdate(input, next) {
      return handler.run(handlerContext(input.headers), () => {
        try {
          return next(input);
        } catch (err) {
          log.info('update rejected', failureAttributes(err));
          throw err;
        }
      });
    },
    handleSignal(input, next) {
      const ctx = handlerContext(input.headers);
      lastRequestId = ctx.requestId ?? lastRequestId;
      return handler.run(ctx, () => {
        log.info('signal received', { signalName: input.signalName });
        return next(input);
      });
    },
    handleQuery(input, next) {
      return handler.run(handlerContext(input.headers), () => next(input));
    },
  };

  const trackStep = <T>(summary: string, run: () => Promise<T>): Promise<T> => {
    inFlight.push(summary);
    const done = () => {
      const i = inFlight.indexOf(summary);
      if (i >= 0) inFlight.splice(i, 1);
    };
    let started: Promise<T>;
    try {
      started = run();
    } catch (err) {
      done(); // scheduling itself threw (invalid options)
      throw err;
    }
    return started.then(
      (v) => {
        done();
        return v;
      },
      (err) => {
        done();
        throw err;
      },
    );
  };

  /** An activity (remote or local) with the context header and a summary, tracked while in flight. */
  const scheduleWithContext = <I extends ActivityInput | LocalActivityInput>(
    input: I,
    next: (input: I) => Promise<unknown>,
  ): Promise<unknown> => {
    const summary = input.options.summary ?? defaultActivitySummary(input.activityType, input.args);
    return trackStep(summary, () =>
      next({
        ...input,
        headers: withLogContextHeader(input.headers, current()),
        options: { ...input.options, summary },
      }),
    );
  };

  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
      return scheduleWithContext(input, next);
    },
    scheduleLocalActivity(
      input: LocalActivityInput,
      next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
    ) {
      return scheduleWithContext(input, next);
    },
    startChildWorkflowExecution(input, next) {
      const staticSummary =
        input.options.staticSummary ?? defaultWorkflowSummary(input.workflowType, input.options.args);
      return next({
        ...input,
        headers: withLogContextHeader(input.headers, current()),
        options: { ...input.options, staticSummary },
      });
    },
    signalWorkflow(input, next) {
      return next({ ...input, headers: withLogContextHeader(input.headers, current()) });
    },
    continueAsNew(input, next) {
      // The next run continues the same business key: it keeps the workflow's own context.
      return next({ ...input, headers: withLogContextHeader(input.headers, base) });
    },
    getLogAttributes(input, next) {
      return next({ ...input, ...current() });
    },
  };

  const internals: WorkflowInternalsInterceptor = {
    activate(input, next) {
      // The start headers arrive with the first activation, before the SDK logs "Workflow
      // started": read them here so that line, too, carries the request ID.
      const init = input.activation.jobs?.[0]?.initializeWorkflow;
      if (init) base = mergeLogContext(decodeLogContext(init.headers as Headers | undefined), base);
      return next(input);
    },
    concludeActivation(input, next) {
      // Current details are workflow state read by the Web UI (no command, no history event).
      // Only when the workflow code has not set its own.
      const mine = getCurrentDetails();
      if (mine === '' || mine === autoDetails) {
        const sa = workflowInfo().typedSearchAttributes;
        const details = describeProgress({
          status: sa.get(progressSource.statusAttribute),
          totalCents: sa.get(progressSource.totalCentsAttribute),
          steps: inFlight,
          requestId: lastRequestId,
        });
        if (details !== mine) {
          setCurrentDetails(details);
          autoDetails = details;
        }
      }
      return next(input);
    },
  };

  return { inbound: [inbound], outbound: [outbound], internals: [internals] };
}
