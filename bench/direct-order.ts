// The "direct" baseline: the same order transaction (price from the catalog, reserve stock,
// insert the order and its lines, record the charge, mark it PAID) as plain SQL in one MySQL
// transaction, without Temporal. Not durable across crashes of this process, no retries, no
// compensation: it prices what durability costs.
import { randomUUID } from 'node:crypto';
import type { Pool } from 'mysql2/promise';

export async function placeOrderDirect(
  pool: Pool,
  userId: string,
  productId: string,
  quantity: number,
): Promise<'PAID' | 'OUT_OF_STOCK'> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const [rows] = await conn.query(
      'SELECT name, price_cents AS price, currency FROM products WHERE id = ? AND deleted_at IS NULL',
      [productId],
    );
    const p = (rows as { name: string; price: number; currency: string }[])[0];
    const [upd] = await conn.query(
      'UPDATE products SET stock = stock - ?, updated_at = NOW(3) WHERE id = ? AND stock >= ?',
      [quantity, productId, quantity],
    );
    if ((upd as { affectedRows: number }).affectedRows !== 1) {
      await conn.rollback();
      return 'OUT_OF_STOCK';
    }
    const orderId = randomUUID();
    const total = Number(p.price) * quantity;
    await conn.query(
      'INSERT INTO stock_reservations (order_id, product_id, quantity, status, created_at, updated_at) VALUES (?, ?, ?, "RESERVED", NOW(3), NOW(3))',
      [orderId, productId, quantity],
    );
    await conn.query(
      'INSERT INTO orders (id, user_id, status, total_cents, currency, payment_method, payment_status, created_at, updated_at) VALUES (?, ?, "PENDING", ?, ?, "pm_card_visa", "PENDING", NOW(3), NOW(3))',
      [orderId, userId, total, p.currency],
    );
    await conn.query(
      'INSERT INTO order_items (order_id, product_id, name, unit_price_cents, quantity) VALUES (?, ?, ?, ?, ?)',
      [orderId, productId, p.name, p.price, quantity],
    );
    const chargeId = `ch_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    await conn.query(
      'INSERT INTO payments (id, idempotency_key, order_id, kind, outcome, amount_cents, currency, payment_method, created_at) VALUES (?, ?, ?, "charge", "succeeded", ?, ?, "pm_card_visa", NOW(3))',
      [chargeId, `${orderId}:charge`, orderId, total, p.currency],
    );
    await conn.query(
      'UPDATE orders SET status = "PAID", payment_status = "SUCCEEDED", charge_id = ?, updated_at = NOW(3) WHERE id = ?',
      [chargeId, orderId],
    );
    await conn.commit();
    return 'PAID';
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}
