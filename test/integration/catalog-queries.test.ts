// The read path's SQL on both drivers (MariaDB, and the embedded SQLite of `npm start` with
// nothing configured): keyset order with timestamp ties, cursors, the name filter with LIKE
// wildcards, and deleted products kept out.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../api/shared/keyset-cursor';
import { TypeOrmProductSource } from '../../api/catalog/catalog.queries';
import { parseConfig } from '../../common/config';
import { createDataSource, migrate } from '../../db/data-source';
import { ProductEntity } from '../../db/entities';
import { testEnv } from '../support/test-env';

describe.each(['mariadb', 'sqlite'] as const)('product queries on %s', (driver) => {
  let ds: DataSource;
  let source: TypeOrmProductSource;
  const tag = `Q${randomUUID().slice(0, 8)}`;
  const ids: string[] = [];

  beforeAll(async () => {
    ds =
      driver === 'mariadb'
        ? createDataSource(parseConfig({ MYSQL_URL: testEnv().mysqlUrl }), { poolSize: 2 })
        : createDataSource(parseConfig({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'queries-')) }));
    await migrate(ds);
    source = new TypeOrmProductSource(ds);
    const base = Date.parse('2020-01-01T00:00:00.000Z');
    const names = [
      'plain',
      '50% off',
      'under_score',
      'bang! here',
      'back\\slash',
      'Mixed CASE',
      'tie a',
      'tie b',
      'tie c',
      'gone',
    ];
    for (const [i, name] of names.entries()) {
      const id = randomUUID();
      // Three rows share one createdAt (millisecond ties are broken by id).
      const createdAt = new Date(name.startsWith('tie') ? base + 5000 : base + i * 1000 + 1);
      await ds.getRepository(ProductEntity).insert({
        id,
        sku: `${tag}-${i}`,
        name: `${tag} ${name}`,
        description: '',
        priceCents: i,
        currency: 'USD',
        stock: 1,
        createdAt,
        updatedAt: createdAt,
        deletedAt: name === 'gone' ? new Date() : null,
      });
      if (name !== 'gone') ids.push(id);
    }
  });
  afterAll(async () => {
    await ds?.destroy();
  });

  const names = async (q: string) =>
    (await source.list({ limit: 100, q }, 'replica')).map((p) => p.name.slice(tag.length + 1)).sort();

  it('pages newest first with a stable id tie-break, one cursor at a time, without deleted rows', async () => {
    const all = await source.list({ limit: 100, q: tag }, 'replica');
    expect(all).toHaveLength(9);
    expect(all.map((p) => p.id).sort()).toEqual([...ids].sort());
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1], all[i]];
      expect(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id)).toBe(true);
    }
    const paged: string[] = [];
    let after;
    for (;;) {
      const page = await source.list({ limit: 2, q: tag, after }, 'replica');
      paged.push(...page.map((p) => p.id));
      if (page.length < 2) break;
      after = decodeCursor(encodeCursor(page[page.length - 1]));
    }
    expect(paged).toEqual(all.map((p) => p.id));
  });

  it('filters names literally and case-insensitively', async () => {
    expect(await names(`${tag} 50%`)).toEqual(['50% off']);
    expect(await names('der_sc')).toEqual(['under_score']);
    expect(await names(`${tag} bang!`)).toEqual(['bang! here']);
    expect(await names('back\\sl')).toEqual(['back\\slash']);
    expect(await names(`${tag} mixed case`)).toEqual(['Mixed CASE']);
    expect(await names(`${tag} gone`)).toEqual([]);
    expect(await names(`${tag} tie`)).toEqual(['tie a', 'tie b', 'tie c']);
  });

  it('finds live products by id and not deleted ones', async () => {
    expect((await source.findById(ids[0], 'primary'))?.name).toBe(`${tag} plain`);
    const gone = await ds.getRepository(ProductEntity).findOneByOrFail({ sku: `${tag}-9` });
    expect(await source.findById(gone.id, 'replica')).toBeNull();
  });
});
