// A product write's integration event: published after the write and its cache invalidation (so
// a consumer that reads the product on receipt reads the write), through a durable child, so a
// broker outage never delays the write's answer. The sequence is the product's `version` from
// the write (incremented in its statement), monotonic per product across write workflows.
import { log, patched } from '@temporalio/workflow';
import { startEventPublication } from '../shared/event-publication';
import { INTEGRATION_EVENTS_PATCH, type ProductSnapshotData } from '../shared/events';
import type { MarkProductDeletedResult, ProductView, VersionedProductView } from './contract';

export const productSnapshot = (p: ProductView): ProductSnapshotData => ({
  productId: p.id,
  sku: p.sku,
  name: p.name,
  description: p.description,
  priceCents: p.priceCents,
  currency: p.currency,
  stock: p.stock,
  updatedAt: p.updatedAt,
});

/** The product as the workflow answers it (the version is the events' business, not the API's). */
export function withoutVersion(p: VersionedProductView): ProductView {
  const { version: _version, ...view } = p;
  return view;
}

/** product.created (sequence 1) or product.updated (the write's version). */
export async function publishProductWrite(
  name: 'product.created' | 'product.updated',
  p: VersionedProductView,
): Promise<void> {
  if (!patched(INTEGRATION_EVENTS_PATCH)) return;
  const sequence = name === 'product.created' ? 1 : p.version;
  if (sequence === undefined) {
    log.warn('product write answered without a version: no event', { productId: p.id, event: name });
    return;
  }
  await startEventPublication({ name, subject: p.id, sequence, time: p.updatedAt, data: productSnapshot(p) });
}

export async function publishProductDeleted(d: MarkProductDeletedResult): Promise<void> {
  if (!patched(INTEGRATION_EVENTS_PATCH)) return;
  if (d.version === undefined || d.sku === undefined) {
    log.warn('product delete answered without a version: no event', { productId: d.productId });
    return;
  }
  await startEventPublication({
    name: 'product.deleted',
    subject: d.productId,
    sequence: d.version,
    time: d.deletedAt,
    data: { productId: d.productId, sku: d.sku, deletedAt: d.deletedAt },
  });
}
