import { ApplicationFailure } from '@temporalio/common';
import { ZodError, z } from 'zod';
import { toProblemError } from '../../api/middleware/error-handler';
import { FailureType } from '../../workflows/shared/failures';

describe('problem mapping', () => {
  it('maps every business failure type to a 4xx with a stable code', () => {
    for (const type of Object.values(FailureType)) {
      const p = toProblemError(Object.assign(ApplicationFailure.nonRetryable('x', type)));
      expect(p).toBeDefined();
      expect(p!.status).toBeGreaterThanOrEqual(400);
      expect(p!.status).toBeLessThan(500);
      expect(p!.code).toMatch(/^[A-Z_]+$/);
    }
  });

  it('finds the ApplicationFailure in a cause chain and passes details through', () => {
    const inner = ApplicationFailure.create({
      message: 'no stock',
      type: FailureType.OutOfStock,
      details: [{ productId: 'p1' }],
    });
    const outer = Object.assign(new ApplicationFailure('activity failed', null, false, undefined, inner));
    expect(toProblemError(outer)?.toProblem()).toMatchObject({
      status: 409,
      code: 'OUT_OF_STOCK',
      details: { productId: 'p1' },
    });
  });

  it('turns validation errors into 400 with a list of fields', () => {
    let zerr: ZodError | undefined;
    try {
      z.object({ email: z.string().email() }).parse({ email: 'x' });
    } catch (e) {
      zerr = e as ZodError;
    }
    expect(toProblemError(zerr)?.toProblem()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'email' }],
    });
  });

  it('leaves unknown errors unmapped (they become a logged 500)', () => {
    expect(toProblemError(new Error('boom'))).toBeUndefined();
    expect(toProblemError(ApplicationFailure.nonRetryable('x', 'SomethingElse'))).toBeUndefined();
  });
});

describe('dependency outages', () => {
  it('answer 503 with Retry-After, for Temporal and for the database', () => {
    const { ServiceError } = require('@temporalio/client');
    const temporal = toProblemError(new ServiceError('Failed to connect before the deadline'));
    expect(temporal?.status).toBe(503);
    expect(temporal?.code).toBe('TEMPORAL_UNAVAILABLE');
    expect(temporal?.headers['Retry-After']).toBe('5');
    const db = toProblemError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' }),
    );
    expect(db?.code).toBe('DATABASE_UNAVAILABLE');
    expect(
      toProblemError(Object.assign(new Error('query failed'), { driverError: { code: 'PROTOCOL_CONNECTION_LOST' } }))
        ?.status,
    ).toBe(503);
  });
});

describe('Temporal service errors', () => {
  // What the SDK throws when the server refuses an update call it could serve later: an update
  // whose workflow task failed (FAILED_PRECONDITION "not ready"), an aborted one, a server error.
  const grpc = (code: number, details: string) =>
    Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

  it.each([
    [9, 'Workflow Update cannot be processed: workflow is not ready'],
    [10, 'Workflow Update was aborted'],
    [13, 'internal server error'],
    [2, 'unknown'],
  ])('a service error with gRPC code %i (%s) is 503 with Retry-After', (code, details) => {
    const { ServiceError } = require('@temporalio/client');
    const problem = toProblemError(new ServiceError('Workflow Update failed', { cause: grpc(code, details) }));
    expect(problem?.status).toBe(503);
    expect(problem?.headers['Retry-After']).toBe('5');
  });

  it.each([
    [3, 'invalid argument'],
    [7, 'permission denied'],
    [16, 'unauthenticated'],
  ])('a request the server can never serve (gRPC code %i) stays a logged 500', (code, details) => {
    const { ServiceError } = require('@temporalio/client');
    expect(toProblemError(new ServiceError('Workflow Update failed', { cause: grpc(code, details) }))).toBeUndefined();
  });
});
