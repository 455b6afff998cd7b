// The gateway's dependencies and per-request state, typed once for every middleware/route.
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { ParameterizedContext } from 'koa';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Cache } from '../common/cache';
import type { Config } from '../common/config';
import type { Logger } from '../common/logger';
import type { AuthClaims, TokenService } from './auth/tokens';

export interface ApiDeps {
  config: Config;
  log: Logger;
  temporal: Client;
  /** Primary plus, when configured, read replicas (TypeORM replication). */
  dataSource: DataSource;
  cache: Cache;
  redis?: Redis;
  tokens: TokenService;
  metrics: Registry;
}

export interface ShopState {
  requestId: string;
  log: Logger;
  user?: AuthClaims;
}

export type ShopContext = ParameterizedContext<ShopState>;
