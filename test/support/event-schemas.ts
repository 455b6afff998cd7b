// Validating events against the committed JSON Schemas (docs/events/schemas), as a consumer would.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export const SCHEMAS_DIR = path.join(__dirname, '..', '..', 'docs', 'events', 'schemas');

export function committedSchemas(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const file of readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json')))
    out[file.replace(/\.json$/, '')] = JSON.parse(readFileSync(path.join(SCHEMAS_DIR, file), 'utf8'));
  return out;
}

/** A validator per CloudEvents type; `validate(doc)` returns the errors (empty when valid). */
export function eventValidator(): (doc: object) => string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const byType = new Map(Object.entries(committedSchemas()).map(([type, schema]) => [type, ajv.compile(schema)]));
  return (doc) => {
    const type = String((doc as { type?: unknown }).type);
    const validate = byType.get(type);
    if (!validate) return [`no schema for type ${type}`];
    return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  };
}
