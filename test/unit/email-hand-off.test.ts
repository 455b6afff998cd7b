// The e-mail hand-off shared by every domain: the workflow ID, message key and sendEmail input a
// hand-off becomes (the same whether a workflow or an activity starts it), and the activity
// side's start options, against a recording client.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { startEmailWorkflow } from '../../activities/notifications/email-start';
import { emailStart } from '../../workflows/notifications/contract';

const ORDER = '0b8f6a52-5d0e-4c3e-9a57-3f1f6a0c2d11';
const USER = '7d4c1e0a-1111-4b2b-8c3c-9d9e9f000001';

describe('emailStart', () => {
  it('names the welcome e-mail after the user', () => {
    expect(emailStart({ template: 'welcome', userId: USER, data: { name: 'Ann' } })).toEqual({
      workflowId: `welcome-email-${USER}`,
      taskQueue: 'notifications',
      args: [{ messageKey: `welcome:${USER}`, template: 'welcome', userId: USER, data: { name: 'Ann' } }],
    });
  });

  it('names an order e-mail after the order and template, the order ID first in its data', () => {
    const start = emailStart({ orderId: ORDER, userId: USER, template: 'order-paid', data: { totalCents: 5 } });
    expect(start).toEqual({
      workflowId: `email-order-paid-${ORDER}`,
      taskQueue: 'notifications',
      args: [
        {
          messageKey: `order-paid:${ORDER}`,
          template: 'order-paid',
          userId: USER,
          data: { orderId: ORDER, totalCents: 5 },
        },
      ],
    });
    // Key order is what goes into history: the same JSON as before the helper existed.
    expect(JSON.stringify(start.args[0])).toBe(
      `{"messageKey":"order-paid:${ORDER}","template":"order-paid","userId":"${USER}","data":{"orderId":"${ORDER}","totalCents":5}}`,
    );
  });
});

describe('startEmailWorkflow', () => {
  const handOff = { orderId: ORDER, userId: USER, template: 'order-failed' as const, data: {} };

  it('starts sendEmail under its ID, never twice', async () => {
    const start = jest.fn().mockResolvedValue({});
    await startEmailWorkflow({ workflow: { start } } as never, handOff);
    expect(start).toHaveBeenCalledWith('sendEmail', {
      ...emailStart(handOff),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  });

  it('counts an e-mail already started as handed off, and passes other failures on', async () => {
    const exists = new WorkflowExecutionAlreadyStartedError('exists', `email-order-failed-${ORDER}`, 'sendEmail');
    await expect(
      startEmailWorkflow({ workflow: { start: jest.fn().mockRejectedValue(exists) } } as never, handOff),
    ).resolves.toBeUndefined();
    await expect(
      startEmailWorkflow({ workflow: { start: jest.fn().mockRejectedValue(new Error('down')) } } as never, handOff),
    ).rejects.toThrow('down');
  });
});
