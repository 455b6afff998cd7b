// Temporal connections for the gateway (Client) and the workers (NativeConnection). Address,
// namespace, TLS and API key come from the standard TEMPORAL_* variables through
// @temporalio/envconfig, so the same code talks to the dev server, a cluster or Temporal Cloud.
// The gateway's Client carries the log-context interceptor: every workflow start, update, signal
// and query made while handling a request sends that request's correlation keys along.
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import {
  defaultWorkflowSummary,
  logContextFromArgs,
  mergeLogContext,
  withLogContextHeader,
} from '../workflows/shared/log-context.interceptors';
import type { Config } from './config';
import { currentLogContext } from './log-context';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

function connectConfig(config: Config) {
  const loaded = loadClientConnectConfig({ disableFile: !process.env.TEMPORAL_CONFIG_FILE });
  const connectionOptions = {
    ...loaded.connectionOptions,
    address: config.TEMPORAL_ADDRESS ?? loaded.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS,
  };
  return { connectionOptions, namespace: config.TEMPORAL_NAMESPACE };
}

export async function connectClient(config: Config): Promise<Client> {
  const { connectionOptions, namespace } = connectConfig(config);
  const connection = await Connection.connect({ ...connectionOptions, connectTimeout: '5s' } as Parameters<
    typeof Connection.connect
  >[0]);
  return new Client({ connection, namespace, interceptors: { workflow: [logContextClientInterceptor()] } });
}

/**
 * Client interceptor: puts the current log context (common/log-context.ts; the gateway opens one
 * per request) in the `shop-log-context` header of starts, updates, signals and queries, adds the
 * workflow input's orderId/userId to the start header, records the request ID in the memo of the
 * workflows it starts (visible in the Web UI), and gives starts without one a readable static
 * summary. Explicit memo/summary values from the caller always win.
 */
export function logContextClientInterceptor(): WorkflowClientInterceptor {
  const forStart = (
    workflowType: string,
    options: { args: unknown[]; memo?: Record<string, unknown>; staticSummary?: string },
  ) => {
    const context = mergeLogContext(currentLogContext(), logContextFromArgs(options.args));
    return {
      context,
      options: {
        ...options,
        memo:
          context.requestId && options.memo?.requestId === undefined
            ? { ...(options.memo ?? {}), requestId: context.requestId }
            : options.memo,
        staticSummary: options.staticSummary ?? defaultWorkflowSummary(workflowType, options.args),
      },
    };
  };
  return {
    startWithDetails(input, next) {
      const { context, options } = forStart(input.workflowType, input.options);
      return next({
        ...input,
        options: { ...input.options, ...options },
        headers: withLogContextHeader(input.headers, context),
      });
    },
    signalWithStart(input, next) {
      const { context, options } = forStart(input.workflowType, input.options);
      return next({
        ...input,
        options: { ...input.options, ...options },
        headers: withLogContextHeader(input.headers, context),
      });
    },
    startUpdateWithStart(input, next) {
      const { context, options } = forStart(input.workflowType, input.workflowStartOptions);
      return next({
        ...input,
        workflowStartOptions: { ...input.workflowStartOptions, ...options },
        workflowStartHeaders: withLogContextHeader(input.workflowStartHeaders, context),
        updateHeaders: withLogContextHeader(input.updateHeaders, currentLogContext()),
      });
    },
    startUpdate(input, next) {
      return next({ ...input, headers: withLogContextHeader(input.headers, currentLogContext()) });
    },
    signal(input, next) {
      return next({ ...input, headers: withLogContextHeader(input.headers, currentLogContext()) });
    },
    query(input, next) {
      return next({ ...input, headers: withLogContextHeader(input.headers, currentLogContext()) });
    },
  };
}

export async function connectWorkerConnection(
  config: Config,
): Promise<{ connection: NativeConnection; namespace: string }> {
  const { connectionOptions, namespace } = connectConfig(config);
  return { connection: await NativeConnection.connect(connectionOptions), namespace };
}
