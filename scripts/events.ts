// npm run events -- <command>
//   tail [pattern]   print events as they arrive: with AMQP_URL, a temporary queue (exclusive,
//                    auto-delete) bound to shop.events with the pattern (default `#`, all);
//                    without it, the new lines of DATA_DIR/events.jsonl that match the pattern.
//   schemas [dir]    (re)write the JSON Schema of every event type (default docs/events/schemas).
import { existsSync, mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from 'rabbitmq-client';
import { dataPath, getConfig } from '../common/config';
import { eventJsonSchemas } from '../common/events/catalogue';
import { topicMatches } from '../common/events/publisher';
import { EVENTS_EXCHANGE } from '../workflows/shared/events';

export const SCHEMAS_DIR = path.join(__dirname, '..', 'docs', 'events', 'schemas');

/** The files `schemas` writes: `<type>.json`, pretty-printed, newline-terminated. */
export function schemaFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [type, schema] of Object.entries(eventJsonSchemas()))
    files[`${type}.json`] = `${JSON.stringify(schema, null, 2)}\n`;
  return files;
}

function writeSchemas(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const files = schemaFiles();
  for (const old of readdirSync(dir)) if (old.endsWith('.json') && !(old in files)) unlinkSync(path.join(dir, old));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  console.log(`wrote ${Object.keys(files).length} schemas to ${dir}`);
}

function print(routingKey: string, body: string): void {
  let line = body;
  try {
    const event = JSON.parse(body) as { id?: string; subject?: string; sequence?: string; time?: string };
    line = `${event.time} ${routingKey} ${event.subject}#${Number(event.sequence)} ${event.id}\n  ${body}`;
  } catch {
    // not JSON: print it as it came
  }
  console.log(line);
}

async function tailAmqp(url: string, pattern: string): Promise<void> {
  const connection = new Connection({ url, connectionName: 'temporal-shop events tail' });
  connection.on('error', (err) => console.error(`RabbitMQ: ${err.message} (reconnecting)`));
  const consumer = connection.createConsumer(
    {
      queueOptions: { exclusive: true, autoDelete: true, durable: false },
      exchanges: [{ exchange: EVENTS_EXCHANGE, type: 'topic', durable: true }],
      queueBindings: [{ exchange: EVENTS_EXCHANGE, routingKey: pattern }],
    },
    async (msg) => {
      const body = Buffer.isBuffer(msg.body) ? msg.body.toString('utf8') : JSON.stringify(msg.body);
      print(msg.routingKey, body);
    },
  );
  consumer.on('error', (err) => console.error(`consumer: ${err.message}`));
  consumer.on('ready', () =>
    console.error(
      `tailing ${EVENTS_EXCHANGE} on ${url.replace(/\/\/[^@]*@/, '//')} with pattern ${pattern} (Ctrl-C stops)`,
    ),
  );
  await stopOnSignal(async () => {
    await consumer.close();
    await connection.close();
  });
}

async function tailFile(file: string, pattern: string): Promise<void> {
  console.error(`tailing ${file} with pattern ${pattern} (AMQP_URL unset; Ctrl-C stops)`);
  let offset = existsSync(file) ? statSync(file).size : 0;
  let rest = '';
  const timer = setInterval(() => {
    void (async () => {
      if (!existsSync(file)) return;
      const size = statSync(file).size;
      if (size < offset) offset = 0; // truncated or replaced
      if (size === offset) return;
      const handle = await open(file, 'r');
      try {
        const buf = Buffer.alloc(size - offset);
        await handle.read(buf, 0, buf.length, offset);
        offset = size;
        const lines = (rest + buf.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines.filter(Boolean)) {
          const type = (JSON.parse(line) as { type?: string }).type ?? '';
          const key = type.replace(/^shop\./, '');
          if (topicMatches(pattern, key)) print(key, line);
        }
      } finally {
        await handle.close();
      }
    })().catch((err: Error) => console.error(err.message));
  }, 250);
  await stopOnSignal(async () => clearInterval(timer));
}

function stopOnSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const handler = () => void stop().finally(resolve);
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  });
}

async function main(argv: string[]): Promise<void> {
  const [command, arg] = argv;
  if (command === 'schemas') return writeSchemas(arg ? path.resolve(arg) : SCHEMAS_DIR);
  if (command === 'tail') {
    const config = getConfig();
    const pattern = arg ?? '#';
    if (config.AMQP_URL) return tailAmqp(config.AMQP_URL, pattern);
    return tailFile(dataPath(config, 'events.jsonl'), pattern);
  }
  console.error('usage: npm run events -- tail [pattern] | schemas [dir]');
  process.exitCode = 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(process.exitCode ?? 0),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
