// A long database outage must cost an order a bounded history. The order-row writes are local
// activities; retried in-process, they keep the workflow task open and the SDK heartbeats it with
// three new events every 80 % of the workflow task timeout, for as long as the outage lasts (at
// the default 10 s, about 1,350 events an hour, until the server terminates the run at its event
// limit). Here the real placeOrder workflow runs on the real dev server against fake activities
// (the interleaving needs precise control) whose openOrder fails for 40 s; the workflow task
// timeout is 2 s, so the old behaviour would have added about 75 events.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { CATALOG_TASK_QUEUE } from '../../workflows/catalog/contract';
import { ORDERS_TASK_QUEUE, type OrderView, getOrderQuery } from '../../workflows/orders/contract';
import { testEnv } from '../support/test-env';

const OUTAGE_MS = 40_000;

it('an order waits out a 40 s database outage at acceptance with a bounded history, and comes out whole', async () => {
  const env = testEnv();
  const native = await NativeConnection.connect({ address: env.temporalAddress });
  const connection = await Connection.connect({ address: env.temporalAddress });
  const client = new Client({ connection });
  const orderId = randomUUID();
  const outageEnds = Date.now() + OUTAGE_MS;
  const calls = { openOrder: 0, recordTransition: 0 };
  const view = (status: OrderView['status']): OrderView => ({
    id: orderId,
    userId: 'u1',
    status,
    items: [{ productId: 'p1', name: 'P', unitPriceCents: 100, quantity: 1 }] as OrderView['items'],
    totalCents: 100,
    currency: 'USD',
    payment: null,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  });
  const orders = await Worker.create({
    connection: native,
    taskQueue: ORDERS_TASK_QUEUE,
    workflowBundle: { codePath: path.join(env.bundleDir, 'orders.js') },
    activities: {
      async openOrder() {
        calls.openOrder++;
        if (Date.now() < outageEnds) throw ApplicationFailure.create({ message: 'connect ECONNREFUSED (fake outage)' });
        return view('PENDING');
      },
      async recordTransition(t: { to: OrderView['status'] }) {
        calls.recordTransition++;
        return view(t.to);
      },
      async startOrderEmail() {},
      async chargePayment() {
        return { chargeId: 'ch_1' };
      },
      async refundPayment() {
        return { outcome: 'refunded', chargeId: 'ch_1', refundId: 're_1' };
      },
    },
  });
  const catalog = await Worker.create({
    connection: native,
    taskQueue: CATALOG_TASK_QUEUE,
    activities: {
      async priceAndReserve() {
        return { lines: [{ productId: 'p1', quantity: 1, name: 'P', unitPriceCents: 100 }], currency: 'USD' };
      },
      async releaseStock() {
        return { releasedUnits: 0 };
      },
    },
  });
  try {
    await Promise.race([
      orders.runUntil(
        catalog.runUntil(async () => {
          const handle = await client.workflow.start('placeOrder', {
            workflowId: `order-${orderId}`,
            taskQueue: ORDERS_TASK_QUEUE,
            workflowTaskTimeout: '2s',
            args: [
              {
                orderId,
                userId: 'u1',
                lines: [{ productId: 'p1', quantity: 1 }],
                paymentMethod: 'pm_card_visa',
                requestHash: null,
                createdAt: new Date().toISOString(),
              },
            ],
          });
          for (;;) {
            const order = await handle.query(getOrderQuery);
            if (order?.status === 'PAID') break;
            await new Promise((r) => setTimeout(r, 500));
          }
          const { historyLength } = await handle.describe();
          // Intake, acceptance, charge and PAID take about 30 events without an outage; the
          // outage may add the few seconds of local attempts and one ordinary activity.
          expect(historyLength).toBeLessThan(50);
          expect(calls.openOrder).toBeGreaterThan(3);
          await handle.terminate('test done');
        }),
      ),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the order did not reach PAID')), 100_000)),
    ]);
  } finally {
    await connection.close();
    await native.close();
  }
}, 120_000);
