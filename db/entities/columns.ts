// Column conventions shared by every entity: UUID string keys, integer money, millisecond
// timestamps. One place, so MySQL and SQLite migrations generated from the entities agree.
import { ValueTransformer } from 'typeorm';

export const uuidColumn = { type: 'varchar', length: 36 } as const;
export const timestampColumn = { type: 'datetime', precision: 3 } as const;

/** BIGINT arrives from mysql2 as a string; money is always a JS integer here. */
export const bigintToNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? v : Number(v)),
};
