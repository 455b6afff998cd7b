// Writes a migration file for each driver from the difference between the entities and the
// current database schema (what `typeorm migration:generate` does, for both drivers at once).
// Usage: MYSQL_URL=mysql://root@127.0.0.1:3306/shop_gen npx tsx scripts/generate-migration.ts Name
// The MySQL side needs an up-to-date database at MYSQL_URL; the SQLite side uses a temp file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../common/config';
import { createDataSource, migrate, type DbDriver } from '../db/data-source';

async function generate(driver: DbDriver, name: string, timestamp: number): Promise<void> {
  const env =
    driver === 'mysql'
      ? process.env
      : { ...process.env, MYSQL_URL: '', DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'gen-')) };
  if (driver === 'mysql' && !env.MYSQL_URL) throw new Error('MYSQL_URL is required to generate the MySQL migration');
  const ds = createDataSource(parseConfig(env), { poolSize: 1 });
  await migrate(ds);
  const sql = await ds.driver.createSchemaBuilder().log();
  await ds.destroy();
  if (sql.upQueries.length === 0) {
    console.log(`${driver}: entities and migrations agree; nothing to generate`);
    return;
  }
  const q = (s: string) => JSON.stringify(s);
  const className = `${name}${timestamp}`;
  const up = sql.upQueries.map((x) => `    await queryRunner.query(${q(x.query)});`).join('\n');
  const down = sql.downQueries
    .reverse()
    .map((x) => `    await queryRunner.query(${q(x.query)});`)
    .join('\n');
  const file = path.join(__dirname, '..', 'db', 'migrations', driver, `${timestamp}-${name}.ts`);
  writeFileSync(
    file,
    `import { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${className} implements MigrationInterface {\n  name = '${className}';\n\n  public async up(queryRunner: QueryRunner): Promise<void> {\n${up}\n  }\n\n  public async down(queryRunner: QueryRunner): Promise<void> {\n${down}\n  }\n}\n`,
  );
  console.log(`wrote ${file}`);
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error('usage: generate-migration.ts PascalCaseName');
  const timestamp = Date.now();
  await generate('sqlite', name, timestamp);
  await generate('mysql', name, timestamp);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
