// Answers checked against the shop's OpenAPI document (api/openapi): its component schemas,
// compiled once per test file.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../api/openapi';

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'shop', components: openApiDocument().components }, 'shop');

/** Throws unless `value` matches `#/components/schemas/<name>` of the OpenAPI document. */
export function expectSchema(name: string, value: unknown): void {
  const validate = ajv.getSchema(`shop#/components/schemas/${name}`)!;
  if (!validate(value))
    throw new Error(
      `${name} does not match the OpenAPI schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`,
    );
}
