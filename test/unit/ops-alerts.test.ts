// Rule unit tests for ops/prometheus/alerts.yml, run by `promtool test rules`: each alert fires
// on synthetic series shaped like the shop's real metrics, with the labels and rendered
// annotations expected, and stays silent on the look-alikes it must ignore (readiness 503s,
// low traffic, a brief spike). The series use the exporters' real names and units.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ALERTS_FILE, loadAlertRules, promtool, runPromtool } from '../support/obs-ops';

const rules = Object.fromEntries(loadAlertRules().map((r) => [r.alert, r]));

/** An expected alert: the rule's labels and its annotations rendered with these labels and $value. */
function expected(alertname: string, labels: Record<string, string>, value?: string) {
  const rule = rules[alertname];
  if (!rule) throw new Error(`no alert rule ${alertname}`);
  const render = (t: string) =>
    t
      .replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, l: string) => labels[l] ?? '')
      .replace(/\{\{\s*\$value[^}]*\}\}/g, () => {
        if (value === undefined) throw new Error(`${alertname}: give the rendered $value`);
        return value;
      });
  return {
    exp_labels: { ...labels, ...(rule.labels ?? {}) },
    exp_annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, render(v)])),
  };
}

const api = (route: string, method: string, status: string) =>
  `http_request_duration_seconds_count{role="api",route="${route}",method="${method}",status_code="${status}"}`;
const apiBucket = (le: string) =>
  `http_request_duration_seconds_bucket{role="api",route="/api/orders",method="POST",status_code="201",le="${le}"}`;
const sdk = (metric: string, labels: string) =>
  `${metric}{namespace="default",service_name="temporal-core-sdk",task_queue="orders"${labels ? `,${labels}` : ''}}`;
const wftBucket = (le: string) => sdk('temporal_workflow_task_schedule_to_start_latency_bucket', `le="${le}"`);

const wftFailedLabels = {
  namespace: 'default',
  task_queue: 'orders',
  workflow_type: 'placeOrder',
  failure_reason: 'NonDeterminismError',
};
const wftFailed = sdk(
  'temporal_workflow_task_execution_failed',
  'workflow_type="placeOrder",failure_reason="NonDeterminismError"',
);

/** The whole minutes from `from` to `to`, both included. */
const minutes = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A counter series sampled each minute for `minutes` minutes, incremented by one at each of `at` (minutes). */
function counterSteps(minutes: number, at: number[]): string {
  return Array.from({ length: minutes + 1 }, (_, m) => at.filter((a) => a <= m).length).join(' ');
}

/**
 * One run whose workflow task fails on every attempt (a NonDeterminismError after a deploy), as
 * the SDK and server 1.30.4 retry it: the SDK reports the first failure at once and lets later
 * attempts time out (workflow task timeout 10 s; `temporal_workflow_task_execution_failed`
 * counts every attempt); from attempt 4 the server adds 5 s, 10 s, 20 s ... up to
 * `history.workflowTaskRetryMaxInterval` (10 min) to each attempt's timeout
 * (service/history/workflow/workflow_task_state_machine.go). The series only appears with the
 * first failure, at 1, so that one is invisible to increase(): the worst case for the alert.
 */
function stuckRunSeries(startMinute: number, minutes: number): string {
  const failures: number[] = []; // seconds after the first failure
  for (let attempt = 1, t = 0; t < minutes * 60; attempt++) {
    failures.push(t);
    const backoff = attempt < 3 ? 0 : Math.min(5 * 2 ** (attempt - 3), 600);
    t += 10 + backoff;
  }
  return Array.from({ length: minutes + 1 }, (_, m) => {
    if (m < startMinute) return '_';
    return String(failures.filter((s) => s <= (m - startMinute) * 60).length);
  }).join(' ');
}

const slotSeries = (metric: 'used' | 'available', workerType: string, instance: string) =>
  `temporal_worker_task_slots_${metric}{job="temporal-sdk",namespace="default",service_name="temporal-core-sdk",task_queue="orders",worker_type="${workerType}",instance="${instance}",pool="orders"}`;

const tests = [
  {
    name: 'KEDA slot series: busy workers = slots in use over one process slots, per task queue and slot kind',
    interval: '1m',
    input_series: [
      // Two orders processes, 100 activity slots each, all busy: 2 processes' worth.
      { series: slotSeries('used', 'ActivityWorker', 'a'), values: '100x5' },
      { series: slotSeries('available', 'ActivityWorker', 'a'), values: '0x5' },
      { series: slotSeries('used', 'ActivityWorker', 'b'), values: '100x5' },
      { series: slotSeries('available', 'ActivityWorker', 'b'), values: '0x5' },
      // 40 workflow slots each, 10 in use in all: a quarter of one process.
      { series: slotSeries('used', 'WorkflowWorker', 'a'), values: '10x5' },
      { series: slotSeries('available', 'WorkflowWorker', 'a'), values: '30x5' },
      { series: slotSeries('used', 'WorkflowWorker', 'b'), values: '0x5' },
      { series: slotSeries('available', 'WorkflowWorker', 'b'), values: '40x5' },
    ],
    promql_expr_test: [
      {
        expr: 'task_queue:temporal_worker_task_slots:busy_workers',
        eval_time: '2m',
        exp_samples: [
          {
            labels:
              'task_queue:temporal_worker_task_slots:busy_workers{task_queue="orders",worker_type="ActivityWorker"}',
            value: 2,
          },
          {
            labels:
              'task_queue:temporal_worker_task_slots:busy_workers{task_queue="orders",worker_type="WorkflowWorker"}',
            value: 0.25,
          },
        ],
      },
      // The ScaledObject's query: the busier kind; KEDA asks for ceil(2 / 0.7) = 3 pods.
      {
        expr: 'max(task_queue:temporal_worker_task_slots:busy_workers{task_queue="orders"})',
        eval_time: '2m',
        exp_samples: [{ labels: '{}', value: 2 }],
      },
    ],
    alert_rule_test: [],
  },
  {
    name: 'API error rate: fires on 25% 5xx, not on readiness 503s or at a trickle',
    interval: '1m',
    input_series: [
      { series: api('/api/orders', 'POST', '500'), values: '0+600x20' }, // 10/s
      { series: api('/api/orders', 'POST', '201'), values: '0+1800x20' }, // 30/s
      { series: api('/readyz', 'GET', '503'), values: '0+6000x20' }, // probes: ignored
    ],
    alert_rule_test: [
      { eval_time: '3m', alertname: 'ShopApiHighErrorRate', exp_alerts: [] }, // pending, not firing yet
      {
        eval_time: '12m',
        alertname: 'ShopApiHighErrorRate',
        exp_alerts: [expected('ShopApiHighErrorRate', {}, '25%')],
      },
    ],
  },
  {
    name: 'API error rate: silent when only probes fail, or at very low traffic',
    interval: '1m',
    input_series: [
      { series: api('/readyz', 'GET', '503'), values: '0+6000x20' },
      { series: api('/api/products', 'GET', '500'), values: '0+1x20' }, // 1 a minute: under 0.1 req/s overall
    ],
    alert_rule_test: [{ eval_time: '15m', alertname: 'ShopApiHighErrorRate', exp_alerts: [] }],
  },
  {
    name: 'API p99 latency: fires when requests take 1-2.5 s',
    interval: '1m',
    input_series: [
      { series: apiBucket('0.5'), values: '0x30' },
      { series: apiBucket('1'), values: '0x30' },
      { series: apiBucket('2.5'), values: '0+600x30' },
      { series: apiBucket('+Inf'), values: '0+600x30' },
      { series: api('/api/orders', 'POST', '201'), values: '0+600x30' },
    ],
    alert_rule_test: [
      { eval_time: '8m', alertname: 'ShopApiLatencyP99High', exp_alerts: [] },
      {
        eval_time: '20m',
        alertname: 'ShopApiLatencyP99High',
        exp_alerts: [expected('ShopApiLatencyP99High', {}, '2.485s')],
      },
    ],
  },
  {
    name: 'workflow task schedule-to-start: fires per task queue when tasks wait 1-5 s',
    interval: '1m',
    input_series: [
      { series: wftBucket('500'), values: '0x20' },
      { series: wftBucket('1000'), values: '0x20' },
      { series: wftBucket('5000'), values: '0+60x20' },
      { series: wftBucket('+Inf'), values: '0+60x20' },
    ],
    alert_rule_test: [
      {
        eval_time: '12m',
        alertname: 'WorkflowTaskScheduleToStartHigh',
        exp_alerts: [
          expected('WorkflowTaskScheduleToStartHigh', { namespace: 'default', task_queue: 'orders' }, '4800'),
        ],
      },
    ],
  },
  {
    name: 'worker slots exhausted: fires when the whole pool has no free slot for 5 min, not for one busy instance',
    interval: '1m',
    input_series: [
      {
        series: sdk('temporal_worker_task_slots_available', 'worker_type="ActivityWorker",instance="a"'),
        values: '0x15',
      },
      {
        series: sdk('temporal_worker_task_slots_available', 'worker_type="ActivityWorker",instance="b"'),
        values: '0x15',
      },
      {
        series: sdk('temporal_worker_task_slots_available', 'worker_type="WorkflowWorker",instance="a"'),
        values: '0x15',
      },
      {
        series: sdk('temporal_worker_task_slots_available', 'worker_type="WorkflowWorker",instance="b"'),
        values: '5x15',
      },
    ],
    alert_rule_test: [
      { eval_time: '3m', alertname: 'WorkerTaskSlotsExhausted', exp_alerts: [] },
      {
        eval_time: '10m',
        alertname: 'WorkerTaskSlotsExhausted',
        exp_alerts: [
          expected('WorkerTaskSlotsExhausted', {
            namespace: 'default',
            task_queue: 'orders',
            worker_type: 'ActivityWorker',
          }),
        ],
      },
    ],
  },
  {
    name: 'workflow task failures: pages while one run keeps failing on the server retry schedule, and keeps paging',
    interval: '1m',
    input_series: [{ series: wftFailed, values: stuckRunSeries(2, 120) }],
    alert_rule_test: [
      { eval_time: '3m', alertname: 'WorkflowTaskFailures', exp_alerts: [] }, // pending
      ...minutes(9, 120).map((m) => ({
        // every minute: no gap while it stays stuck
        eval_time: `${m}m`,
        alertname: 'WorkflowTaskFailures',
        exp_alerts: [expected('WorkflowTaskFailures', wftFailedLabels)],
      })),
    ],
  },
  {
    name: 'workflow task failures: a single failed workflow task (retried successfully) never pages',
    interval: '1m',
    // The series exists (earlier failures), so this one increment is visible to increase().
    input_series: [{ series: wftFailed, values: counterSteps(90, [30]) }],
    alert_rule_test: minutes(0, 90).map((m) => ({
      eval_time: `${m}m`,
      alertname: 'WorkflowTaskFailures',
      exp_alerts: [],
    })),
  },
  {
    name: 'workflow task failures: isolated failures (one every 20 minutes, each retried successfully) do not page',
    interval: '1m',
    input_series: [{ series: wftFailed, values: counterSteps(120, [10, 30, 50, 70, 90]) }],
    alert_rule_test: minutes(0, 120).map((m) => ({
      eval_time: `${m}m`,
      alertname: 'WorkflowTaskFailures',
      exp_alerts: [],
    })),
  },
  {
    name: 'payment failure rate: provider errors over all charge calls; declines do not count',
    interval: '1m',
    input_series: [
      { series: 'shop_payments_total{role="worker",kind="charge",result="error"}', values: '0+60x30' },
      { series: 'shop_payments_total{role="worker",kind="charge",result="succeeded"}', values: '0+120x30' },
      { series: 'shop_payments_total{role="worker",kind="charge",result="declined"}', values: '0+60x30' },
    ],
    alert_rule_test: [
      {
        eval_time: '25m',
        alertname: 'PaymentFailureRateHigh',
        exp_alerts: [expected('PaymentFailureRateHigh', {}, '25%')],
      },
      { eval_time: '25m', alertname: 'PaymentDeclineRateHigh', exp_alerts: [] }, // 1 in 3 declined: under 50%
    ],
  },
  {
    name: 'payment decline rate: fires when most first answers are declines',
    interval: '1m',
    input_series: [
      { series: 'shop_payments_total{role="worker",kind="charge",result="declined"}', values: '0+30x60' },
      { series: 'shop_payments_total{role="worker",kind="charge",result="succeeded"}', values: '0+10x60' },
    ],
    alert_rule_test: [
      {
        eval_time: '50m',
        alertname: 'PaymentDeclineRateHigh',
        exp_alerts: [expected('PaymentDeclineRateHigh', {}, '75%')],
      },
    ],
  },
  {
    name: 'refunds failing: fires after 15 min of refund errors, not for one blip',
    interval: '1m',
    input_series: [
      { series: 'shop_payments_total{role="worker",kind="refund",result="error"}', values: '0+1x40' },
      {
        series: 'shop_payments_total{role="worker",kind="charge",result="error"}',
        values: '0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1',
      },
    ],
    alert_rule_test: [
      { eval_time: '10m', alertname: 'RefundsFailing', exp_alerts: [] },
      { eval_time: '35m', alertname: 'RefundsFailing', exp_alerts: [expected('RefundsFailing', {})] },
    ],
  },
  {
    name: 'target down: fires for a worker target that stops answering scrapes',
    interval: '1m',
    input_series: [
      { series: 'up{job="shop-worker",instance="worker-orders:9465",pool="orders"}', values: '1 1 0 0 0 0 0 0' },
      { series: 'up{job="shop-gateway",instance="gateway:3000"}', values: '1 1 1 1 1 1 1 1' },
      { series: 'up{job="temporal-server",instance="temporal:8000"}', values: '0 0 0 0 0 0 0 0' }, // not ours to page on
    ],
    alert_rule_test: [
      {
        eval_time: '6m',
        alertname: 'ShopTargetDown',
        exp_alerts: [
          expected('ShopTargetDown', { job: 'shop-worker', instance: 'worker-orders:9465', pool: 'orders' }),
        ],
      },
    ],
  },
];

describe('alert rules under promtool test rules', () => {
  it('fire, and stay silent, as specified', () => {
    const bin = promtool(); // fails with how to install it, unless ALLOW_NO_PROMTOOL=1
    if (!bin) return expect(process.env.ALLOW_NO_PROMTOOL).toBe('1');
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ops-alerts-')), 'alerts.test.yml');
    writeFileSync(file, toYaml({ rule_files: [ALERTS_FILE], evaluation_interval: '1m', tests }));
    const r = runPromtool(bin, ['test', 'rules', file]);
    expect([r.status, r.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  it('test every alert rule that pages (severity critical) and the issue asks for', () => {
    const tested = new Set(tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    for (const [name, rule] of Object.entries(rules))
      if (rule.labels?.severity === 'critical') expect([name, tested.has(name)]).toEqual([name, true]);
    for (const name of [
      'ShopApiHighErrorRate',
      'ShopApiLatencyP99High',
      'WorkflowTaskScheduleToStartHigh',
      'PaymentFailureRateHigh',
      'WorkerTaskSlotsExhausted',
    ])
      expect(tested).toContain(name);
  });
});
