// Probe workflows for test/integration/observability.test.ts: they make the SDK exporter emit
// the metrics of rare events that dashboards and alerts watch (a failing workflow task, a failed
// RPC to the Temporal service) so that those names, too, are checked against a real scrape.
import { proxyActivities } from '@temporalio/workflow';

const { startExistingWorkflow } = proxyActivities<{ startExistingWorkflow(workflowId: string): Promise<string> }>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 1 },
});

/** Fails every workflow task (a plain Error fails the task, not the workflow): terminate it. */
export async function probeWorkflowTaskFailure(): Promise<string> {
  throw new Error('probe: this workflow task fails');
}

/** Runs an activity whose Temporal client call is refused (the workflow ID is already running). */
export async function probeRpcFailure(runningWorkflowId: string): Promise<string> {
  return await startExistingWorkflow(runningWorkflowId);
}

/** Stays open until cancelled: the target of probeRpcFailure. */
export async function probeIdle(): Promise<void> {
  await new Promise<void>(() => undefined);
}
