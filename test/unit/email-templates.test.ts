import { renderEmail } from '../../activities/notifications/email-templates';

describe('renderEmail', () => {
  it('greets by name and formats money in minor units', () => {
    expect(renderEmail('welcome', 'Ada', {}).subject).toBe('Welcome to Temporal Shop');
    const paid = renderEmail('order-paid', 'Ada', { orderId: 'o-1', totalCents: 12345, currency: 'USD' });
    expect(paid.subject).toBe('Order o-1 confirmed');
    expect(paid.text).toContain('Hello Ada,');
    expect(paid.text).toContain('123.45 USD');
  });

  it('mentions the refund only when there was one', () => {
    expect(
      renderEmail('order-cancelled', 'B', { orderId: 'o', refunded: 1, totalCents: 500, currency: 'EUR' }).text,
    ).toContain('5.00 EUR has been refunded');
    expect(renderEmail('order-cancelled', 'B', { orderId: 'o', refunded: 0 }).text).not.toContain('refunded');
    expect(renderEmail('order-failed', 'B', { orderId: 'o', reason: 'PAYMENT_DECLINED' }).text).toContain(
      'PAYMENT_DECLINED',
    );
  });

  it('tells the admin which webhook endpoint was disabled and how to turn it back on', () => {
    const mail = renderEmail('webhook-disabled', 'Root', {
      endpointId: 'e-1',
      deliveryId: 'd-1',
      url: 'https://erp.example/hooks',
      attempts: 8,
      lastStatusCode: 500,
    });
    expect(mail.subject).toBe('Webhook endpoint disabled: https://erp.example/hooks');
    expect(mail.text).toContain('failed 8 attempt(s)');
    expect(mail.text).toContain('HTTP 500');
    expect(mail.text).toContain('PATCH /api/webhooks/e-1');
  });
});
