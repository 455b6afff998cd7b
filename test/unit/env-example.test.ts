// .env.example documents every configuration variable, and nothing that does not exist.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../common/config';

it('.env.example names exactly the variables of the config schema', () => {
  const text = readFileSync(path.join(__dirname, '..', '..', '.env.example'), 'utf8');
  const documented = new Set([...text.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  const known = new Set(Object.keys(configSchema.shape));
  const extra = ['TEMPORAL_API_KEY', 'TEMPORAL_TLS']; // read by @temporalio/envconfig
  expect([...known].filter((k) => !documented.has(k))).toEqual([]);
  expect([...documented].filter((k) => !known.has(k) && !extra.includes(k))).toEqual([]);
});
