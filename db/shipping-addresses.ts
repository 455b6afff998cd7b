// Shipping addresses by order ID: written by the gateway before the order's workflow starts, read
// by the gateway's order views and by the order e-mails. The first address written for an order
// ID stays: a repeat of a keyed request with another address is refused later (the request hash
// differs) and must not overwrite the order's.
import { In, type DataSource } from 'typeorm';
import type { ShippingAddress } from '../workflows/orders/contract';
import { OrderShippingAddressEntity } from './entities';
import { isUniqueViolation } from './errors';
import { onPrimary, onReplica } from './replication';

export async function saveShippingAddress(ds: DataSource, orderId: string, a: ShippingAddress): Promise<void> {
  try {
    await ds.getRepository(OrderShippingAddressEntity).insert({
      orderId,
      name: a.name,
      line1: a.line1,
      line2: a.line2 ?? null,
      city: a.city,
      postalCode: a.postalCode,
      region: a.region ?? null,
      country: a.country,
      phone: a.phone ?? null,
      createdAt: new Date(),
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
}

const toAddress = (r: OrderShippingAddressEntity): ShippingAddress => ({
  name: r.name,
  line1: r.line1,
  ...(r.line2 ? { line2: r.line2 } : {}),
  city: r.city,
  postalCode: r.postalCode,
  ...(r.region ? { region: r.region } : {}),
  country: r.country,
  ...(r.phone ? { phone: r.phone } : {}),
});

/** The addresses of these orders; a replica miss (just written) is read again on the primary. */
export async function shippingAddressesOf(ds: DataSource, orderIds: string[]): Promise<Map<string, ShippingAddress>> {
  const out = new Map<string, ShippingAddress>();
  if (!orderIds.length) return out;
  const read = (ids: string[], on: typeof onReplica) =>
    on(ds, (em) => em.getRepository(OrderShippingAddressEntity).findBy({ orderId: In(ids) }));
  for (const r of await read(orderIds, onReplica)) out.set(r.orderId, toAddress(r));
  const missing = orderIds.filter((id) => !out.has(id));
  if (missing.length && orderIds.length === 1)
    for (const r of await read(missing, onPrimary)) out.set(r.orderId, toAddress(r));
  return out;
}

/** The order view with its shipping address, when it has one. */
export async function withShippingAddress<V extends { id: string }>(
  ds: DataSource,
  view: V,
): Promise<V & { shippingAddress?: ShippingAddress }> {
  const address = (await shippingAddressesOf(ds, [view.id])).get(view.id);
  return address ? { ...view, shippingAddress: address } : view;
}
