// The embedded sink: one CloudEvent (JSON format) per line in DATA_DIR/events.jsonl, appended and
// fsynced one at a time, so a line is whole once publish() resolves.
import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { ShopCloudEvent } from './catalogue';
import type { EventPublisher } from './publisher';

export class JsonlEventPublisher implements EventPublisher {
  readonly kind = 'jsonl' as const;
  private handle: Promise<FileHandle> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  publish(event: ShopCloudEvent): Promise<void> {
    const line = `${JSON.stringify(event)}\n`;
    const write = this.queue.then(async () => {
      const handle = await this.open();
      await handle.appendFile(line, 'utf8');
      await handle.datasync();
    });
    this.queue = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    await this.queue;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
  }

  private open(): Promise<FileHandle> {
    if (!this.handle) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      this.handle = open(this.file, 'a');
      this.handle.catch(() => (this.handle = undefined));
    }
    return this.handle;
  }
}
