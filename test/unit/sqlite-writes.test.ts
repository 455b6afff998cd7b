// Embedded mode (SQLite) has one connection for the whole process: a write from one activity must
// never land inside another activity's open transaction and be rolled back (or committed) with it.
// Concurrent mixed writes against a real SQLite file.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { parseConfig } from '../../common/config';
import { createDataSource, migrate } from '../../db/data-source';
import { ProductEntity } from '../../db/entities';
import { inTransaction } from '../../db/transaction';

let ds: DataSource;
beforeAll(async () => {
  ds = createDataSource(parseConfig({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'sqlite-writes-')) }));
  await migrate(ds);
});
afterAll(async () => {
  await ds?.destroy();
});

const product = (name: string): ProductEntity => ({
  id: randomUUID(),
  sku: `SKU-${randomUUID().slice(0, 8)}`,
  name,
  description: '',
  priceCents: 100,
  currency: 'USD',
  stock: 1,
  createdAt: new Date(),
  updatedAt: new Date(),
  deletedAt: null,
  version: 1,
  lastWriteId: null,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SQLite writes (embedded mode)', () => {
  it('a plain write issued while another transaction is open is not rolled back with it', async () => {
    const inside = product('inside a transaction that fails');
    const outside = product('a plain insert meanwhile');
    const failing = inTransaction(ds, async (em) => {
      await em.getRepository(ProductEntity).insert(inside);
      await sleep(100); // the transaction is open while the other write arrives
      throw new Error('rolled back on purpose');
    });
    await sleep(20);
    await ds.getRepository(ProductEntity).insert(outside);
    await expect(failing).rejects.toThrow('rolled back on purpose');
    expect(await ds.getRepository(ProductEntity).findOneBy({ id: inside.id })).toBeNull();
    expect(await ds.getRepository(ProductEntity).findOneBy({ id: outside.id })).not.toBeNull();
  });

  it('many concurrent transactions and plain writes: every committed write is there, every failed one is not', async () => {
    const kept: string[] = [];
    const dropped: string[] = [];
    const work = Array.from({ length: 60 }, async (_, i) => {
      const p = product(`mixed ${i}`);
      if (i % 3 === 0) {
        dropped.push(p.id);
        await inTransaction(ds, async (em) => {
          await em.getRepository(ProductEntity).insert(p);
          await sleep(5);
          throw new Error('fail');
        }).catch(() => undefined);
      } else if (i % 3 === 1) {
        kept.push(p.id);
        await inTransaction(ds, async (em) => {
          await sleep(3);
          await em.getRepository(ProductEntity).insert(p);
        });
      } else {
        kept.push(p.id);
        await ds.getRepository(ProductEntity).insert(p);
      }
    });
    await Promise.all(work);
    const ids = new Set((await ds.getRepository(ProductEntity).find({ select: { id: true } })).map((r) => r.id));
    expect(kept.filter((id) => !ids.has(id))).toEqual([]);
    expect(dropped.filter((id) => ids.has(id))).toEqual([]);
  });
});
