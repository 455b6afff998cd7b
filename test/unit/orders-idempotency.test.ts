// Idempotency keys → order IDs, and the canonical request hash that tells a repeat from a
// different request reusing a key.
import fc from 'fast-check';
import {
  canonicalOrderRequest,
  checkoutOrderIdFor,
  checkoutRequestHash,
  orderIdFor,
  orderRequestHash,
} from '../../api/orders/idempotency';
import { parseIdempotencyKey } from '../../api/shared/idempotency-key';
import { ProblemError } from '../../api/problem';

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const p1 = '11111111-1111-4111-8111-111111111111';
const p2 = '22222222-2222-4222-8222-222222222222';

describe('orderIdFor', () => {
  it('is a deterministic RFC 9562 UUID (version 8, name-based SHA-256)', () => {
    const id = orderIdFor('user-a', 'key-1');
    expect(id).toMatch(UUID_V8);
    expect(orderIdFor('user-a', 'key-1')).toBe(id);
  });

  it('separates users and keys (no collisions across a sample, no ambiguity at the separator)', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }), (u1, u2, key) => {
        fc.pre(u1 !== u2);
        expect(orderIdFor(u1, key)).not.toBe(orderIdFor(u2, key));
        expect(orderIdFor(u1, key)).toMatch(UUID_V8);
      }),
    );
    expect(orderIdFor('ab', 'c')).not.toBe(orderIdFor('a', 'bc'));
  });
});

describe('checkoutOrderIdFor', () => {
  it('keeps orderIdFor as it was (order IDs already issued for POST /api/orders keys)', () => {
    // Pinned from the code before checkout scopes existed.
    expect(orderIdFor('11111111-1111-4111-8111-111111111111', 'k')).toBe('47170521-1f8b-8ac3-885f-28410dc58218');
  });

  it('is a scope no POST /api/orders key reaches (not even cart:<key>)', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.stringMatching(/^[\x21-\x7e]{1,40}$/),
        fc.stringMatching(/^[\x21-\x7e]{1,40}$/),
        (u, k, other) => {
          const id = checkoutOrderIdFor(u, k);
          expect(id).toMatch(UUID_V8);
          expect(checkoutOrderIdFor(u, k)).toBe(id);
          expect(id).not.toBe(orderIdFor(u, `cart:${k}`));
          expect(id).not.toBe(orderIdFor(u, k));
          expect(id).not.toBe(orderIdFor(u, other));
        },
      ),
    );
  });
});

describe('checkoutRequestHash', () => {
  const address = { name: 'A', line1: '1 Road', city: 'Town', postalCode: '1000', country: 'BE' };
  it('tells another address or payment method from a repeat', () => {
    const h = checkoutRequestHash({ paymentMethod: 'pm_card_visa', shippingAddress: address });
    expect(checkoutRequestHash({ paymentMethod: 'pm_card_visa', shippingAddress: { ...address } })).toBe(h);
    expect(checkoutRequestHash({ paymentMethod: 'pm_card_visa', shippingAddress: { ...address, city: 'X' } })).not.toBe(
      h,
    );
    expect(checkoutRequestHash({ paymentMethod: 'pm_card_chargeDeclined', shippingAddress: address })).not.toBe(h);
  });
});

describe('the canonical request', () => {
  it('ignores line order, split lines and UUID case', () => {
    const a = {
      items: [
        { productId: p1, quantity: 2 },
        { productId: p2, quantity: 1 },
      ],
      paymentMethod: 'pm_card_visa',
    };
    const b = {
      items: [
        { productId: p2.toUpperCase(), quantity: 1 },
        { productId: p1, quantity: 1 },
        { productId: p1, quantity: 1 },
      ],
      paymentMethod: 'pm_card_visa',
    };
    expect(canonicalOrderRequest(b)).toBe(canonicalOrderRequest(a));
    expect(orderRequestHash(b)).toBe(orderRequestHash(a));
    expect(orderRequestHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs for a different quantity, product or payment method', () => {
    const base = { items: [{ productId: p1, quantity: 1 }], paymentMethod: 'pm_card_visa' };
    const h = orderRequestHash(base);
    expect(orderRequestHash({ ...base, items: [{ productId: p1, quantity: 2 }] })).not.toBe(h);
    expect(orderRequestHash({ ...base, items: [{ productId: p2, quantity: 1 }] })).not.toBe(h);
    expect(orderRequestHash({ ...base, paymentMethod: 'pm_card_chargeDeclined' })).not.toBe(h);
  });
});

describe('parseIdempotencyKey', () => {
  it('accepts visible ASCII up to 255 characters and treats an empty header as absent', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('')).toBeUndefined();
    expect(parseIdempotencyKey('3f0e-ORDER_1:retry~')).toBe('3f0e-ORDER_1:retry~');
    expect(parseIdempotencyKey('k'.repeat(255))).toHaveLength(255);
  });

  it.each([
    ['too long', 'k'.repeat(256)],
    ['a space', 'a b'],
    ['non-ASCII', 'clé'],
    ['a control character', 'a\u0007'],
  ])('refuses %s with 400', (_l, key) => {
    expect(() => parseIdempotencyKey(key)).toThrow(ProblemError);
    try {
      parseIdempotencyKey(key);
    } catch (err) {
      expect((err as ProblemError).status).toBe(400);
    }
  });
});
