// Negative controls of the access matrix: broken authorization is called out.
import { judge } from '../support/access-judge';

it('accepts what each rule allows', () => {
  expect(judge('public', 'anonymous', 200, '{}')).toBeUndefined();
  expect(judge('user', 'anonymous', 401, '{}')).toBeUndefined();
  expect(judge('admin', 'owner', 403, '{}')).toBeUndefined();
  expect(judge('owner', 'other', 404, '{"code":"NOT_FOUND"}', 'o-1')).toBeUndefined();
  expect(judge('owner', 'owner', 200, '{"id":"o-1"}', 'o-1')).toBeUndefined();
  expect(judge('owner', 'admin', 200, '{"id":"o-1"}', 'o-1')).toBeUndefined();
  expect(judge('customer', 'owner', 200, '{"items":[{"productId":"p-1"}]}', 'p-1')).toBeUndefined();
  expect(judge('customer', 'other', 200, '{"items":[]}', 'p-1')).toBeUndefined();
  expect(judge('customer', 'admin', 403, '{}')).toBeUndefined();
});

it.each([
  ['BOLA: another customer reads my order', () => judge('owner', 'other', 200, '{"id":"o-1"}', 'o-1')],
  [
    'BOLA: the refusal leaks the resource',
    () => judge('owner', 'other', 403, '{"detail":"order o-1 of user x"}', 'o-1'),
  ],
  ['BFLA: a customer ships an order', () => judge('admin', 'owner', 200, '{}')],
  ['an anonymous caller reads a private resource', () => judge('user', 'anonymous', 200, '{}')],
  ['a public operation requires a login', () => judge('public', 'anonymous', 401, '{}')],
  ['a server error', () => judge('public', 'admin', 500, '{}')],
  [
    "BOLA: another customer's token reaches my cart",
    () => judge('customer', 'other', 200, '{"items":[{"productId":"p-1"}]}', 'p-1'),
  ],
  ['an admin gets a cart', () => judge('customer', 'admin', 200, '{"items":[]}')],
  ['a customer is refused their cart', () => judge('customer', 'owner', 403, '{}')],
])('flags %s', (_name, verdict) => {
  expect(verdict()).toEqual(expect.any(String));
});
