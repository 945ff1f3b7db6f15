import {
  type Gateway,
  type GatewayPeerOptions,
  type Logger,
  peersFromMcpServersConfig,
} from '@kidsstories/mesh-core';
import type { ServeCommand } from './parse-command-line.js';

/** How long the gateway waits for a peer's first listing when MCP servers are added: a stdio server starts first. */
export const MCP_SERVERS_LIST_TIMEOUT_MS = 20_000;

/** The gateway peers of `--mcp-servers` (the file was checked when the command line was parsed). */
export function mcpServerPeers(command: ServeCommand, logger: Logger): GatewayPeerOptions[] {
  if (!command.mcpServers) return [];
  return peersFromMcpServersConfig(command.mcpServers.config, {
    link: { logger: logger.child({ component: 'mcp-servers' }) },
  });
}

/**
 * One line per MCP server of `--mcp-servers` for the start banner: its tool count, or why it is not available
 * (skipped: the gateway lists it again when it answers).
 *
 * @throws Error naming every server that did not start, when `failClosed`.
 */
export function reportMcpServers(
  gateway: Gateway,
  peers: readonly GatewayPeerOptions[],
  failClosed: boolean,
): string[] {
  const status = new Map(gateway.peerStatus().map((report) => [report.peer, report]));
  const lines: string[] = [];
  const failed: string[] = [];
  for (const peer of peers) {
    const report = status.get(peer.name);
    if (report?.listedAt === undefined || report.listError !== undefined) {
      const why = report?.listError ?? 'not listed';
      failed.push(`${peer.name} (${why})`);
      lines.push(`  MCP server ${peer.name}: not available: ${why}; skipped (listed again when it answers)`);
    } else {
      lines.push(`  MCP server ${peer.name}: ${report.toolCount} tools`);
    }
  }
  if (failClosed && failed.length > 0) {
    throw new Error(`--fail-closed: MCP servers did not start: ${failed.join('; ')}`);
  }
  return lines;
}
