// fast-check arbitraries derived from the gateway's own OpenAPI document: valid request bodies
// (respecting types, lengths, enums, formats, bounds) and malformed ones (wrong types, missing
// fields, hostile strings), so fuzzing follows the contract as routes are added.
import fc from 'fast-check';

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  oneOf?: Schema[];
};

export type OpenApiDoc = {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, Schema> };
};

export const HOSTILE_STRINGS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '1; SELECT SLEEP(5)',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '%00',
  '\u0000',
  '🙂'.repeat(50),
  'a'.repeat(10_000),
  '-1',
  '1e309',
  'NaN',
  '{}',
  '[]',
];

export function resolve(doc: OpenApiDoc, schema: Schema): Schema {
  if (schema.$ref) return resolve(doc, doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]);
  return schema;
}

export function validValue(doc: OpenApiDoc, raw: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(doc, raw);
  if (s.oneOf) return fc.oneof(...s.oneOf.map((o) => validValue(doc, o, depth + 1)));
  if (s.enum) return fc.constantFrom(...s.enum);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'uuid') return fc.uuid();
      if (s.format === 'email') return fc.emailAddress().filter((e) => e.length <= (s.maxLength ?? 254));
      return fc
        .string({
          minLength: Math.max(s.minLength ?? 0, 0),
          maxLength: Math.min(s.maxLength ?? 40, 60),
          unit: 'grapheme-ascii',
        })
        .filter((v) => v.trim().length >= (s.minLength ?? 0));
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1000, max: Math.min(s.maximum ?? 1_000_000, 1_000_000_000) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(doc, s.items ?? {}, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 3, 3),
      });
    case 'object': {
      if (depth > 4) return fc.constant({});
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) shape[k] = validValue(doc, v, depth + 1);
      return fc.record(shape, { requiredKeys: [...required].filter((k) => k in props) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A value that breaks the schema: wrong type, hostile content, or a missing required field. */
export function malformedValue(doc: OpenApiDoc, raw: Schema): fc.Arbitrary<unknown> {
  const s = resolve(doc, raw);
  const wrongTypes = fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.boolean(),
    fc.array(fc.string(), { maxLength: 2 }),
    fc.constantFrom(...HOSTILE_STRINGS),
  );
  if (s.type !== 'object' || !s.properties) return wrongTypes;
  const keys = Object.keys(s.properties);
  return fc.oneof(
    wrongTypes,
    // one field replaced by garbage
    fc
      .tuple(validValue(doc, s), fc.constantFrom(...keys), fc.oneof(wrongTypes, fc.jsonValue({ maxDepth: 2 })))
      .map(([v, k, bad]) => ({ ...(v as object), [k]: bad })),
    // one required field missing
    ...(s.required?.length
      ? [
          fc.tuple(validValue(doc, s), fc.constantFrom(...s.required)).map(([v, k]) => {
            const o = { ...(v as Record<string, unknown>) };
            delete o[k];
            return o;
          }),
        ]
      : []),
    // unknown fields that must never be stored
    validValue(doc, s).map((v) => ({
      ...(v as object),
      role: 'admin',
      status: 'PAID',
      priceCents: -1,
      __proto__: { polluted: true },
      constructor: { prototype: { polluted: true } },
    })),
  );
}

export interface Operation {
  method: string;
  path: string;
  op: any;
}

export function operations(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'])
      if (item[method]) out.push({ method: method.toUpperCase(), path, op: item[method] });
  }
  return out;
}

/** Fills {param} placeholders with generated values (valid UUIDs or hostile strings). */
export function pathArbitrary(path: string): fc.Arbitrary<string> {
  const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  if (!params.length) return fc.constant(path);
  return fc
    .tuple(
      ...params.map(() =>
        fc.oneof(
          fc.uuid(),
          fc.constantFrom(...HOSTILE_STRINGS.filter((h) => h.length < 200)),
          fc.string({ maxLength: 20 }),
        ),
      ),
    )
    .map((vals) => {
      let p = path;
      params.forEach((name, i) => (p = p.replace(`{${name}}`, encodeURIComponent(vals[i]))));
      return p;
    });
}

export function queryArbitrary(op: any): fc.Arbitrary<string> {
  const params = ((op.parameters ?? []) as any[]).filter((p) => p.in === 'query');
  if (!params.length) return fc.constant('');
  return fc
    .tuple(
      ...params.map(() =>
        fc.option(
          fc.oneof(
            fc.constantFrom('1', '0', '-1', '100', '101', '99999999999999999999', ''),
            fc.constantFrom(...HOSTILE_STRINGS.filter((h) => h.length < 200)),
            fc.string({ maxLength: 30 }),
          ),
          { nil: undefined },
        ),
      ),
    )
    .map((vals) => {
      const qs = new URLSearchParams();
      params.forEach((p, i) => vals[i] !== undefined && qs.set(p.name, vals[i] as string));
      const s = qs.toString();
      return s ? `?${s}` : '';
    });
}
