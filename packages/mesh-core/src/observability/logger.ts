import { redactSecretValues } from './secret-values.js';

/** Severity of a log record. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields attached to a log record. Values must be JSON-serialisable. */
export type LogFields = Record<string, unknown>;

/**
 * A structured logger. The mesh logs through this narrow interface so users can plug in pino, winston or
 * their own; {@link createJsonLogger} is the default.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every record. */
  child(fields: LogFields): Logger;
}

/** Options for {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /**
   * Lowest level written.
   * @default `info` (or `LOG_LEVEL` from the environment)
   */
  level?: LogLevel;
  /**
   * Where lines go.
   * @default `process.stderr` (stdout is reserved for stdio MCP transports)
   */
  write?: (line: string) => void;
  /**
   * Fields on every record.
   * @default {}
   */
  fields?: LogFields;
  /**
   * Clock, for tests.
   * @default `Date.now`
   */
  now?: () => number;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Keys whose values are replaced by `[redacted]` wherever they appear in log fields. */
const SECRET_KEY = /(authorization|token|secret|password|api[-_]?key|cookie|credential)/i;

/** Replaces secret-looking values so that no credential ever reaches a log line. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message };
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? '[redacted]' : redactSecrets(item, depth + 1);
  }
  return out;
}

/**
 * A logger that writes one JSON object per line: `{"time":…,"level":"info","msg":…, …fields}`.
 * Secret-looking fields (`authorization`, `token`, `apiKey`…) are redacted, and so is the value of every
 * registered secret (see `registerSecretValues`) wherever it appears in the line.
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const envLevel = process.env.LOG_LEVEL as LogLevel | undefined;
  const level = options.level ?? (envLevel && envLevel in LEVELS ? envLevel : 'info');
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const base = options.fields ?? {};
  const log = (at: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[at] < LEVELS[level]) return;
    const record = redactSecrets({ ...base, ...fields }) as LogFields;
    // The whole line, so a registered secret's value is taken out wherever it appears (see registerSecretValues).
    write(
      redactSecretValues(
        JSON.stringify({ time: new Date(now()).toISOString(), level: at, msg: message, ...record }),
      ),
    );
  };
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: (fields) => createJsonLogger({ ...options, level, write, now, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
