// Turns every error into problem+json: our ProblemErrors, validation errors, body-parser and
// Koa HTTP errors, and Temporal failures whose ApplicationFailure type is a business failure.
// Anything else is a 500 with a generic message (details only in the log).
import {
  ServiceError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import type { Middleware } from 'koa';
import { ZodError } from 'zod';
import { isTransientDatabaseError } from '../../db/errors';
import type { ShopState } from '../context';
import { ProblemError, badRequest, problemForFailure } from '../problem';

/** The first business failure in the cause chain (activity → workflow → client error). */
function businessProblemOf(err: unknown): ProblemError | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 8 && cur; i++) {
    if (cur instanceof ApplicationFailure) {
      const problem = problemForFailure(cur.type, cur.message, cur.details?.[0]);
      if (problem) return problem;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

// gRPC codes that mean "this request can never succeed as sent": our bug or our configuration,
// a logged 500. Every other code (unavailable, overloaded, an update aborted or refused while its
// workflow task failed, a server error) is a dependency that may serve the same request later.
const PERMANENT_GRPC = new Set([
  3 /* INVALID_ARGUMENT */, 7 /* PERMISSION_DENIED */, 12 /* UNIMPLEMENTED */, 16 /* UNAUTHENTICATED */,
]);

const unavailable = (code: string, what: string) =>
  new ProblemError(
    503,
    code,
    'Service unavailable',
    `${what} is temporarily unavailable; retry shortly (with the same Idempotency-Key, if the request had one)`,
    {},
    { 'Retry-After': '5' },
  );

/** Dependency outages become 503 + Retry-After: the request may be retried, nothing is lost. */
function outageProblem(err: unknown): ProblemError | undefined {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
    return unavailable('TEMPORAL_UNAVAILABLE', 'The workflow service');
  if (err instanceof ServiceError || isGrpcServiceError(err)) {
    const grpc = isGrpcServiceError(err) ? err : (err as ServiceError).cause;
    if (!grpc || !isGrpcServiceError(grpc) || !PERMANENT_GRPC.has(grpc.code)) {
      return unavailable('TEMPORAL_UNAVAILABLE', 'The workflow service');
    }
  }
  if (isTransientDatabaseError(err)) return unavailable('DATABASE_UNAVAILABLE', 'The database');
  return undefined;
}

/** Validation issues listed in a 400 at most (errorCount says how many there were). */
export const MAX_VALIDATION_ERRORS = 20;

export function toProblemError(err: unknown): ProblemError | undefined {
  if (err instanceof ProblemError) return err;
  const outage = outageProblem(err);
  if (outage) return outage;
  if (err instanceof ZodError) {
    // The first few issues only: a large invalid body must not buy an answer many times its size.
    const errors = err.issues
      .slice(0, MAX_VALIDATION_ERRORS)
      .map((i) => ({ path: i.path.join('.').slice(0, 200), message: i.message.slice(0, 200) }));
    const more = err.issues.length - errors.length;
    const detail = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
    return badRequest(more > 0 ? `${detail}; and ${more} more` : detail, { errors, errorCount: err.issues.length });
  }
  if (
    err instanceof WorkflowFailedError ||
    err instanceof WorkflowUpdateFailedError ||
    err instanceof TemporalFailure
  ) {
    return businessProblemOf(err);
  }
  const httpErr = err as {
    status?: number;
    expose?: boolean;
    message?: string;
    type?: string;
    headers?: Record<string, string>;
  };
  // The router answers a method it does not know (PURGE, PROPFIND...) with 501: for a client that is
  // a request this API does not accept, like any method a route lacks.
  if (httpErr?.status === 501)
    return new ProblemError(
      405,
      'METHOD_NOT_ALLOWED',
      'Method not allowed',
      'This method is not supported here',
      {},
      httpErr.headers ?? {},
    );
  if (typeof httpErr?.status === 'number' && httpErr.status >= 400 && httpErr.status < 500) {
    const s = httpErr.status;
    if (s === 413)
      return new ProblemError(413, 'PAYLOAD_TOO_LARGE', 'Payload too large', 'The request body exceeds the size limit');
    if (s === 415)
      return new ProblemError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Unsupported media type',
        'Send the body as application/json',
      );
    if (s === 429)
      return new ProblemError(
        429,
        'RATE_LIMITED',
        'Too many requests',
        'Rate limit exceeded; retry later',
        {},
        httpErr.headers ?? {},
      );
    if (s === 400)
      return badRequest(
        httpErr.type === 'entity.parse.failed' || /JSON|parse/i.test(httpErr.message ?? '')
          ? 'Malformed JSON body'
          : (httpErr.message ?? 'Bad request'),
      );
    return new ProblemError(
      s,
      s === 404 ? 'NOT_FOUND' : s === 405 ? 'METHOD_NOT_ALLOWED' : 'BAD_REQUEST',
      httpErr.message ?? 'Client error',
      httpErr.message ?? 'Client error',
    );
  }
  return undefined;
}

export function errorHandler(): Middleware<ShopState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined)
        throw new ProblemError(404, 'NOT_FOUND', 'Not found', `No route for ${ctx.method} ${ctx.path}`);
    } catch (err) {
      let problem = toProblemError(err);
      // A dependency's failure answered 503: its cause goes to the log (a lasting one must show).
      if (problem && problem.status >= 500 && !(err instanceof ProblemError))
        ctx.state.log?.warn({ err }, 'dependency failure answered as unavailable');
      if (!problem) {
        ctx.state.log?.error({ err }, 'unhandled error');
        problem = new ProblemError(
          500,
          'INTERNAL',
          'Internal server error',
          'An unexpected error occurred; it has been logged',
          { requestId: ctx.state.requestId },
        );
      }
      // Vary adds to what the route said (CORS hands its `Vary: Origin` back on the error).
      for (const [k, v] of Object.entries(problem.headers)) {
        if (k.toLowerCase() === 'vary') ctx.vary(v);
        else ctx.set(k, v);
      }
      ctx.status = problem.status;
      ctx.type = 'application/problem+json';
      ctx.body = problem.toProblem();
    }
  };
}
