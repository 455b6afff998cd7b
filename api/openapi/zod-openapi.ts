// zod with `.openapi()`: the request and response schemas import `z` from here, so the metadata
// they carry (descriptions, component names) is there before any schema is built.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };
