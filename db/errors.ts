// Driver-neutral reading of database errors the domain relies on.
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; driverError?: { code?: string; errno?: number } };
  const code = e?.driverError?.code ?? e?.code;
  const errno = e?.driverError?.errno ?? e?.errno;
  return (
    code === 'ER_DUP_ENTRY' ||
    errno === 1062 ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

export function isCheckViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; driverError?: { code?: string; errno?: number } };
  const code = e?.driverError?.code ?? e?.code;
  const errno = e?.driverError?.errno ?? e?.errno;
  return (
    code === 'ER_CHECK_CONSTRAINT_VIOLATED' || errno === 4025 || errno === 3819 || code === 'SQLITE_CONSTRAINT_CHECK'
  );
}

// The database is unreachable, overloaded, failing over or timing out: the same request may
// succeed shortly (503 + Retry-After at the edge, a retry in an activity). Anything else is a bug
// or a business conflict and is not hidden behind "retry later".
const TRANSIENT_CODES = new Set([
  // the network and DNS
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  // mysql2: connection lost, client-side query timeout, pool cluster without an online member
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'POOL_NONEONLINE',
  // the server: too many connections, shutting down, deadlock, lock wait, read-only after a
  // failover, statement timeout, killed connection
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_READ_ONLY_MODE',
  'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
  'ER_STATEMENT_TIMEOUT',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
]);
const TRANSIENT_ERRNOS = new Set([1040, 1053, 1205, 1213, 1290, 1317, 1792, 1836, 1927, 1969]);
const TRANSIENT_MESSAGES = [
  /Can't add new command when connection is in closed state/,
  /Pool is closed/,
  /Pool does not have online node/,
  /Connection is not established/, // TypeORM, while the data source is closing or reconnecting
];

export function isTransientDatabaseError(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string; name?: string; driverError?: typeof e };
  const driver = e?.driverError ?? e;
  const code = driver?.code ?? e?.code;
  if (code && (TRANSIENT_CODES.has(code) || /^SQLITE_(BUSY|LOCKED|READONLY)/.test(code))) return true;
  const errno = driver?.errno ?? e?.errno;
  if (typeof errno === 'number' && TRANSIENT_ERRNOS.has(errno) && !String(code ?? '').startsWith('SQLITE')) return true;
  const message = driver?.message ?? e?.message ?? '';
  return TRANSIENT_MESSAGES.some((m) => m.test(message));
}
