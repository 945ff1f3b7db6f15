/** Scopes a soak `write_line` call is charged to (the ledger adds `global`); `budget_check` reads them. */
export const SOAK_SCOPES = ['day', 'server:text', 'tool:write_line'] as const;

/**
 * Settlement-record retention of the soak's ledgers, in milliseconds (the default is 10 min). Records live one to
 * two retentions, so the record reaches its steady size after two retentions; the soak warms up for that long
 * so its first tenth already holds a full record, and its 200 000 calls span many retentions.
 */
export const SOAK_SETTLED_RETENTION_MS = 15_000;
