// A benchmark's child process (a tool node or a gateway in its own process, so its CPU and RSS are its own).
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchChildMemory } from './serve-bench-child.js';

/** A running bench child: it printed its URLs and answers `rss` and `cpu` IPC messages. */
export interface BenchChild {
  process: ChildProcess;
  mcpUrl: string;
  meshUrl: string | undefined;
}

/** The path of a sibling bench module, built (`.js`) or from source under tsx (`.ts`). */
export function benchModulePath(name: string): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./${name}${extension}`, import.meta.url));
}

/** Forks `script` with `args` and waits for its ready line `{ "mcpUrl": …, "meshUrl": … }`. */
export async function startBenchChild(
  script: string,
  args: string[],
  runtimeFlags: readonly string[] = [],
): Promise<BenchChild> {
  const child = fork(script, args, {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...runtimeFlags],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`bench child ${args[0]} exited with ${String(code)} before it was ready`);
    }),
  ])) as [string];
  const ready = JSON.parse(line) as { mcpUrl: string; meshUrl?: string };
  return { process: child, mcpUrl: ready.mcpUrl, meshUrl: ready.meshUrl };
}

/** The child's RSS, in MB. */
export async function rssOf(child: BenchChild): Promise<number> {
  child.process.send('rss');
  const [message] = (await once(child.process, 'message')) as [{ rssMb: number }];
  return message.rssMb;
}

/** The child's RSS and V8 heap, in MB (see `BenchChildMemory`). */
export async function memoryOf(child: BenchChild): Promise<BenchChildMemory> {
  child.process.send('memory');
  const [message] = (await once(child.process, 'message')) as [BenchChildMemory];
  return message;
}

/** The child's CPU time so far (user + system), in microseconds. */
export async function cpuOf(child: BenchChild): Promise<number> {
  child.process.send('cpu');
  const [message] = (await once(child.process, 'message')) as [{ cpuUs: number }];
  return message.cpuUs;
}

/** Disconnects the children and waits until they exit. */
export async function stopBenchChildren(children: readonly BenchChild[]): Promise<void> {
  for (const child of children) child.process.disconnect();
  await Promise.all(children.map((child) => once(child.process, 'exit')));
}

/**
 * The body and headers of an MCP `tools/call` (2026 era, stateless) of `name` with `args`.
 */
export function toolCallRequest(
  id: number,
  name: string,
  args: Record<string, unknown>,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name,
      arguments: args,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'kidsstories-bench', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  });
  return {
    body,
    headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name },
  };
}
