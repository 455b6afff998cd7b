// Every domain's Web UI text in one place, for the log-context interceptors (which run in every
// domain's workflow bundle, so a child or activity of another domain reads the same). A domain
// without an entry here gets the generic summaries: its type names read as steps.
import { notificationSummaries } from '../notifications/summaries';
import { OrderStatusSearchAttribute, OrderTotalCentsSearchAttribute } from '../orders/contract';
import { orderStatusWords, orderSummaries } from '../orders/summaries';
import { userSummaries } from '../users/summaries';
import { eventSummaries } from './event-summaries';
import type { DomainSummaries, Summarizer } from './summary-text';

const DOMAINS: readonly DomainSummaries[] = [orderSummaries, userSummaries, notificationSummaries, eventSummaries];

function merge(kind: keyof DomainSummaries): ReadonlyMap<string, Summarizer> {
  const out = new Map<string, Summarizer>();
  for (const domain of DOMAINS) {
    for (const [type, summarize] of Object.entries(domain[kind] ?? {})) {
      // Type names are global on a namespace's queues: two domains may not both claim one.
      if (out.has(type)) throw new Error(`Two domains declare a summary of ${kind} type ${type}`);
      out.set(type, summarize);
    }
  }
  return out;
}

export const activitySummaries = merge('activities');
export const workflowSummaries = merge('workflows');

/**
 * What the current details of a workflow that does not set its own are made from: the status and
 * total search attributes (the orders domain's), the status in words.
 */
export const progressSource = {
  statusAttribute: OrderStatusSearchAttribute,
  totalCentsAttribute: OrderTotalCentsSearchAttribute,
  statusWords: orderStatusWords as Readonly<Record<string, string>>,
};
