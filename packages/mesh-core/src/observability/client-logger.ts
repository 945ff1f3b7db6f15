import { type LogFields, type Logger, type LogLevel, redactSecrets } from './logger.js';
import { redactSecretValues } from './secret-values.js';

/** One log record on its way to the MCP client (`notifications/message`). */
export interface ClientLogRecord {
  level: LogLevel;
  /** Name of the logger: the tool, resource or prompt that wrote it. */
  logger: string;
  /**
   * The record's data: the message alone, or `{ message, ...fields }` when it has fields. Secret-looking fields
   * and registered secret values are already redacted.
   */
  data: string | Record<string, unknown>;
}

/**
 * Receives the log records of one call for its client. The MCP edge sends each at or above the level the client
 * asked for (`logging/setLevel` in the 2025 era, the request's `_meta` log level in the 2026 era) and drops the rest.
 */
export type ClientLogSink = (record: ClientLogRecord) => void;

/**
 * A logger that writes to `base` (the node's logs) and hands every record to `sink` (the client), named
 * `loggerName`. A failing sink never fails the handler.
 */
export function createClientLogger(
  base: Logger,
  sink: ClientLogSink,
  loggerName: string,
  fields: LogFields = {},
): Logger {
  const send = (level: LogLevel, message: string, recordFields?: LogFields) => {
    const all = { ...fields, ...recordFields };
    try {
      // Through JSON so that what reaches the client is plain data with registered secret values taken out.
      const data =
        Object.keys(all).length === 0
          ? redactSecretValues(message)
          : (JSON.parse(
              redactSecretValues(JSON.stringify({ message, ...(redactSecrets(all) as LogFields) })),
            ) as Record<string, unknown>);
      sink({ level, logger: loggerName, data });
    } catch (error) {
      base.debug('client log record not sent', { error });
    }
  };
  return {
    debug: (message, recordFields) => {
      base.debug(message, recordFields);
      send('debug', message, recordFields);
    },
    info: (message, recordFields) => {
      base.info(message, recordFields);
      send('info', message, recordFields);
    },
    warn: (message, recordFields) => {
      base.warn(message, recordFields);
      send('warn', message, recordFields);
    },
    error: (message, recordFields) => {
      base.error(message, recordFields);
      send('error', message, recordFields);
    },
    child: (childFields) =>
      createClientLogger(base.child(childFields), sink, loggerName, { ...fields, ...childFields }),
  };
}
