import { createUserActivities } from '../activities/users/user.activities';
import { USERS_TASK_QUEUE } from '../workflows/users/contract';
import type { WorkerSpec } from './worker-spec';

export const usersWorker: WorkerSpec = {
  domain: 'users',
  taskQueue: USERS_TASK_QUEUE,
  workflowsPath: require.resolve('../workflows/users'),
  createActivities: ({ dataSource }) => createUserActivities({ dataSource }),
  // bcrypt-free activities (the gateway hashes), so plain defaults suffice.
};
