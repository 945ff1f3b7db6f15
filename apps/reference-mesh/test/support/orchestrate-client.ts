import type { OrchestrateOutput } from '@kidsstories/kidsstories-tools/pipeline';
import type { Logger } from '@kidsstories/mesh-core';
import type { LogFields } from '@kidsstories/mesh-core/observability';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/** Calls `orchestrate` on the gateway at `url` with the official MCP client, on a connection of its own. */
export async function orchestrate(
  url: string,
  args: Record<string, unknown>,
  onProgress?: (message: string) => void,
) {
  const client = new Client(
    { name: 'failure-matrix-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    const result = await client.callTool(
      { name: 'orchestrate', arguments: args },
      {
        timeout: 600_000,
        resetTimeoutOnProgress: true,
        ...(onProgress ? { onprogress: (progress) => onProgress(progress.message ?? '') } : {}),
      },
    );
    return {
      isError: result.isError === true,
      text: (result.content as Array<{ type: string; text?: string }>)
        .map((block) => block.text ?? '')
        .join(' '),
      output: result.structuredContent as OrchestrateOutput | undefined,
    };
  } finally {
    await client.close();
  }
}

/** One log record. */
export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields;
}

/** A logger that keeps every record (children included) in `records`. */
export function capturingLogger(
  records: LogRecord[] = [],
  bound: LogFields = {},
): Logger & { records: LogRecord[] } {
  const log =
    (level: LogRecord['level']) =>
    (message: string, fields: LogFields = {}) => {
      records.push({ level, message, fields: { ...bound, ...fields } });
    };
  return {
    records,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => capturingLogger(records, { ...bound, ...fields }),
  };
}
