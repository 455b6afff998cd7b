import { bearer, jsonBody, jsonResponse, problemResponse } from '../openapi/common.openapi';

export const usersPaths = {
  '/api/users/register': {
    post: {
      tags: ['users'],
      operationId: 'registerUser',
      summary: 'Register a customer account (runs the registerUser workflow)',
      requestBody: jsonBody('RegisterRequest'),
      responses: {
        '201': jsonResponse('Registered', 'User'),
        '400': problemResponse('Invalid input'),
        '409': problemResponse('EMAIL_TAKEN'),
        '429': problemResponse('Rate limited'),
      },
    },
  },
  '/api/users/login': {
    post: {
      tags: ['users'],
      operationId: 'loginUser',
      summary: 'Exchange e-mail and password for a bearer token',
      requestBody: jsonBody('LoginRequest'),
      responses: {
        '200': jsonResponse('Token issued', 'LoginResponse'),
        '400': problemResponse('Invalid input'),
        '401': problemResponse('INVALID_CREDENTIALS'),
        '429': problemResponse('Rate limited (per IP and e-mail)'),
      },
    },
  },
  '/api/users/me': {
    get: {
      tags: ['users'],
      operationId: 'getCurrentUser',
      summary: 'The caller',
      security: bearer,
      responses: { '200': jsonResponse('The caller', 'User'), '401': problemResponse('Unauthorized') },
    },
  },
  '/api/users/{id}': {
    get: {
      tags: ['users'],
      operationId: 'getUser',
      summary: 'A user (self or admin only)',
      security: bearer,
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
      responses: {
        '200': jsonResponse('The user', 'User'),
        '400': problemResponse('Invalid ID'),
        '401': problemResponse('Unauthorized'),
        '403': problemResponse('Not yours'),
        '404': problemResponse('No such user'),
      },
    },
  },
};

export const usersSchemas = {
  User: {
    type: 'object',
    required: ['id', 'email', 'name', 'role', 'createdAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      email: { type: 'string', format: 'email' },
      name: { type: 'string' },
      role: { type: 'string', enum: ['customer', 'admin'] },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  RegisterRequest: {
    type: 'object',
    required: ['email', 'password', 'name'],
    properties: {
      email: { type: 'string', format: 'email', maxLength: 254 },
      password: { type: 'string', minLength: 8, description: '8 to 72 bytes (UTF-8)' },
      name: { type: 'string', minLength: 1, maxLength: 100 },
    },
  },
  LoginRequest: {
    type: 'object',
    required: ['email', 'password'],
    properties: { email: { type: 'string' }, password: { type: 'string' } },
  },
  LoginResponse: {
    type: 'object',
    required: ['accessToken', 'tokenType', 'expiresIn', 'user'],
    properties: {
      accessToken: { type: 'string' },
      tokenType: { type: 'string', enum: ['Bearer'] },
      expiresIn: { type: 'integer', description: 'seconds' },
      user: { $ref: '#/components/schemas/User' },
    },
  },
};
