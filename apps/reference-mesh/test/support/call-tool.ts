import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/** Calls one tool at `url` with the official MCP client (2026-07-28), on a connection of its own. */
export async function callTool(url: string, name: string, args: Record<string, unknown>) {
  const client = new Client(
    { name: 'reference-mesh-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    return await client.callTool({ name, arguments: args });
  } finally {
    await client.close();
  }
}
