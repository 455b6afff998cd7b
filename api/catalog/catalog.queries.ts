// The read path's SQL: a product by ID and a keyset page of products, each against a chosen
// target. With MYSQL_REPLICA_URLS set, 'replica' runs on a replica connection (TypeORM
// replication, 'slave' query runner) and 'primary' on the master; without replicas both are
// the one database. Deleted products are invisible here.
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { isReplicated, onPrimary, onReplica } from '../../db/replication';
import { ProductEntity } from '../../db/entities';
import { toProductView } from '../../db/views';
import type { ProductView } from '../../workflows/catalog/contract';
import type { ListCursor } from '../shared/keyset-cursor';

export type ReadTarget = 'replica' | 'primary';

export interface ListParams {
  /** Rows to return at most (the read model asks for one more than a page to detect the end). */
  limit: number;
  after?: ListCursor;
  q?: string;
}

export interface ProductSource {
  /** True when 'replica' and 'primary' are different servers. */
  readonly replicated: boolean;
  findById(id: string, target: ReadTarget): Promise<ProductView | null>;
  /** Live products, newest first: (createdAt, id) descending, strictly after the cursor. */
  list(params: ListParams, target: ReadTarget): Promise<ProductView[]>;
}

/** LIKE pattern matching `q` literally anywhere in the name ('!' escapes, on MySQL and SQLite alike). */
export const containsPattern = (q: string): string => `%${q.replace(/[!%_]/g, (ch) => `!${ch}`)}%`;

export class TypeOrmProductSource implements ProductSource {
  readonly replicated: boolean;

  constructor(private readonly ds: DataSource) {
    this.replicated = isReplicated(ds);
  }

  private on<T>(target: ReadTarget, work: (em: EntityManager) => Promise<T>): Promise<T> {
    return (target === 'primary' ? onPrimary : onReplica)(this.ds, work);
  }

  async findById(id: string, target: ReadTarget): Promise<ProductView | null> {
    const row = await this.on(target, (em) =>
      em.getRepository(ProductEntity).findOne({ where: { id, deletedAt: IsNull() }, comment: 'catalog-read' }),
    );
    return row ? toProductView(row) : null;
  }

  async list(params: ListParams, target: ReadTarget): Promise<ProductView[]> {
    const rows = await this.on(target, (em) => {
      const qb = em.getRepository(ProductEntity).createQueryBuilder('p').where('p.deletedAt IS NULL');
      if (params.q) qb.andWhere("p.name LIKE :pattern ESCAPE '!'", { pattern: containsPattern(params.q) });
      if (params.after) {
        // The redundant `<=` gives the optimiser a plain range on the (created_at, id) index.
        qb.andWhere('p.createdAt <= :afterCreatedAt AND (p.createdAt < :afterCreatedAt OR p.id < :afterId)', {
          afterCreatedAt: params.after.createdAt,
          afterId: params.after.id,
        });
      }
      return qb
        .orderBy('p.createdAt', 'DESC')
        .addOrderBy('p.id', 'DESC')
        .limit(params.limit)
        .comment('catalog-list')
        .getMany();
    });
    return rows.map(toProductView);
  }
}
