// Temporal connections for the gateway (Client) and the workers (NativeConnection). Address,
// namespace, TLS and API key come from the standard TEMPORAL_* variables through
// @temporalio/envconfig, so the same code talks to the dev server, a cluster or Temporal Cloud.
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from './config';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

function connectConfig(config: Config) {
  const loaded = loadClientConnectConfig({ disableFile: !process.env.TEMPORAL_CONFIG_FILE });
  const connectionOptions = { ...loaded.connectionOptions, address: config.TEMPORAL_ADDRESS ?? loaded.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS };
  return { connectionOptions, namespace: config.TEMPORAL_NAMESPACE };
}

export async function connectClient(config: Config): Promise<Client> {
  const { connectionOptions, namespace } = connectConfig(config);
  const connection = await Connection.connect({ ...connectionOptions, connectTimeout: '5s' } as Parameters<typeof Connection.connect>[0]);
  return new Client({ connection, namespace });
}

export async function connectWorkerConnection(config: Config): Promise<{ connection: NativeConnection; namespace: string }> {
  const { connectionOptions, namespace } = connectConfig(config);
  return { connection: await NativeConnection.connect(connectionOptions), namespace };
}
