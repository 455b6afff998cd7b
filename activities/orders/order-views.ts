// The order as it was when it was accepted (priced, reserved, PENDING): the body of the
// 201 answer to POST /api/orders. Built only from fields that never change after acceptance,
// so the workflow's answer and a later replay from the row are the same JSON, byte for byte.
import { OrderEntity } from '../../db/entities';
import { toOrderView } from '../../db/views';
import type { OrderView } from '../../workflows/orders/contract';

export function acceptedOrderView(row: OrderEntity): OrderView {
  return toOrderView(
    Object.assign(new OrderEntity(), row, {
      status: 'PENDING',
      paymentStatus: 'PENDING',
      chargeId: null,
      refundId: null,
      failureReason: null,
      updatedAt: row.createdAt,
    }),
  );
}
