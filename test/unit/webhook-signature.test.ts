// Standard Webhooks signatures: the published test vector (from the Standard Webhooks / Svix
// reference libraries' own tests), verification as a receiver does it, and the secret format.
import { generateSecret, secretKey, sign, signatureHeaders, verify } from '../../common/webhooks/signature';

// The reference vector: secret, message id, timestamp, body → signature.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signature', () => {
  it('reproduces the reference test vector exactly', () => {
    expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    // The whsec_ prefix is optional, as in the reference libraries: the key is the decoded base64.
    expect(sign(VECTOR.secret.slice('whsec_'.length), VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('verifies the vector within the tolerance, and refuses stale, tampered or foreign signatures', () => {
    const input = {
      id: VECTOR.id,
      timestamp: String(VECTOR.timestamp),
      signature: VECTOR.signature,
      body: VECTOR.body,
    };
    const nowSeconds = VECTOR.timestamp + 10;
    expect(verify(VECTOR.secret, input, { nowSeconds })).toBe(true);
    // One of several space-separated signatures (a key rotation) is enough.
    expect(verify(VECTOR.secret, { ...input, signature: `v1,bm9wZQ== ${VECTOR.signature}` }, { nowSeconds })).toBe(
      true,
    );
    expect(verify(VECTOR.secret, input, { nowSeconds: VECTOR.timestamp + 301 })).toBe(false);
    expect(verify(VECTOR.secret, { ...input, body: '{"test": 2432232315}' }, { nowSeconds })).toBe(false);
    expect(verify(VECTOR.secret, { ...input, id: 'msg_other' }, { nowSeconds })).toBe(false);
    expect(verify(generateSecret(), input, { nowSeconds })).toBe(false);
    expect(verify(VECTOR.secret, { ...input, signature: VECTOR.signature.replace('v1,', 'v2,') }, { nowSeconds })).toBe(
      false,
    );
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(a)).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
    expect(() => secretKey('whsec_not base64!')).toThrow();
  });

  it('signs one attempt as the three headers, the id unchanged', () => {
    const h = signatureHeaders(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body);
    expect(h).toEqual({
      'webhook-id': VECTOR.id,
      'webhook-timestamp': String(VECTOR.timestamp),
      'webhook-signature': VECTOR.signature,
    });
  });
});
