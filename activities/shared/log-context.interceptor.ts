// Activity interceptors: the activity side of log correlation. The workflow interceptor
// (workflows/shared/log-context.interceptors.ts) forwards the workflow's correlation keys in the
// `shop-log-context` header of every activity it schedules; here they are read back, enriched
// with the activity input's orderId/userId, added to every `Context.current().log` line
// (getLogAttributes) and opened as the Node log context (common/log-context.ts), so a Temporal
// Client used inside the activity forwards them too.
//
// Note: the SDK logs "Activity started" before any inbound interceptor sees the headers, so that
// one debug line carries workflowId/activityId but not the request ID; every later line does.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { runWithLogContext, type LogContext } from '../../common/log-context';
import { decodeLogContext, logContextFromArgs, mergeLogContext } from '../../workflows/shared/log-context.interceptors';

export const activityLogContextInterceptor: ActivityInterceptorsFactory = () => {
  let context: LogContext = {};
  return {
    inbound: {
      execute(input, next) {
        context = mergeLogContext(decodeLogContext(input.headers), logContextFromArgs(input.args));
        return runWithLogContext(context, () => next(input));
      },
    },
    outbound: {
      getLogAttributes(attrs, next) {
        return next({ ...attrs, ...context });
      },
    },
  };
};
