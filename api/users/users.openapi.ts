// The /api/users operations of the OpenAPI document, from the schemas the routes validate with.
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import {
  acceptedSchema,
  bearer,
  header,
  jsonBody,
  jsonResponse,
  problemResponse,
  retryAfter,
} from '../openapi/common.openapi';
import { z } from '../openapi/zod-openapi';
import { idParams } from '../shared/id-params';
import { loginSchema, registerSchema } from './users.input';
import { loginResponseSchema, userSchema } from './users.output';

export function registerUsersOperations(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/users/register',
    tags: ['users'],
    operationId: 'registerUser',
    summary: 'Register a customer account (runs the registerUser workflow)',
    request: { body: jsonBody(registerSchema) },
    responses: {
      '201': jsonResponse('Registered', userSchema, z.object({ Location: header(z.string(), '/api/users/{id}') })),
      '202': jsonResponse(
        'Accepted past the route deadline (no users worker, the database away): the account is created once it can be; sign in then',
        acceptedSchema,
        z.object({ Location: header(z.string(), '/api/users/{id}') }),
      ),
      '400': problemResponse('Invalid input'),
      '409': problemResponse('EMAIL_TAKEN'),
      '429': problemResponse('Rate limited'),
      '503': problemResponse('TEMPORAL_UNAVAILABLE or USERS_UNAVAILABLE: nothing was created; retry', retryAfter),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/users/login',
    tags: ['users'],
    operationId: 'loginUser',
    summary: 'Exchange e-mail and password for a bearer token',
    request: { body: jsonBody(loginSchema) },
    responses: {
      '200': jsonResponse('Token issued', loginResponseSchema),
      '400': problemResponse('Invalid input'),
      '401': problemResponse('INVALID_CREDENTIALS'),
      '429': problemResponse('Rate limited (per IP and e-mail)'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/users/me',
    tags: ['users'],
    operationId: 'getCurrentUser',
    summary: 'The caller',
    security: bearer,
    responses: { '200': jsonResponse('The caller', userSchema), '401': problemResponse('Unauthorized') },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/users/{id}',
    tags: ['users'],
    operationId: 'getUser',
    summary: 'A user (self or admin only)',
    security: bearer,
    request: { params: idParams },
    responses: {
      '200': jsonResponse('The user', userSchema),
      '400': problemResponse('Invalid ID'),
      '401': problemResponse('Unauthorized'),
      '403': problemResponse('Not yours'),
      '404': problemResponse('No such user'),
    },
  });
}
