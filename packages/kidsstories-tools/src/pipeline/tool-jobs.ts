import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MeshError } from '@kidsstories/mesh-core';
import { createOutboundMeshClient, type ToolCallResult } from '@kidsstories/mesh-core/host';
import type { MeshCaller } from '@kidsstories/mesh-core/link';
import type { WorkHandler } from '@kidsstories/mesh-core/ports';
import { writeFileAtomic } from '../bundle/write-bundle.js';
import { bytesOfResource } from '../media/media-artifact.js';

/**
 * A tool call as a queued job: the tool, its arguments, where to read an input picture from and where to write the
 * media the tool returns. Payloads are JSON, so that a job queued on Redis can run in any replica; media travel as
 * files in the bundle folder, never through the queue.
 */
export interface ToolJob {
  tool: string;
  args: Record<string, unknown>;
  /** Correlation id of the run, carried on every call the job makes. */
  correlationId: string;
  /** Budget id the calls are charged to. */
  budgetId?: string;
  /** Bundle folder the paths below are relative to. */
  dir?: string;
  /** Files of the bundle passed to the tool as base64 arguments: argument name -> path (`png`, `audio`). */
  fileArgs?: Record<string, string>;
  /** Where to write the one embedded resource the tool returns (atomically). */
  output?: string;
}

/** What a tool job resolves: the tool's structured result. */
export type ToolJobResult = Record<string, unknown>;

/**
 * The handler of every pipeline queue: calls the job's tool through `mesh` (so it crosses the mesh's peer links,
 * with the gateway's routing, breakers and retries), reading an input picture from the bundle and writing the
 * returned media into it.
 *
 * @throws MeshError the tool's own error, or `internal` when the tool returned no media where some was expected.
 */
export function createToolJobHandler(mesh: MeshCaller): WorkHandler<ToolJob, ToolJobResult> {
  return async ({ payload, signal }) => {
    const client = createOutboundMeshClient(mesh, {
      signal,
      correlationId: payload.correlationId,
      hop: 0,
      ...(payload.budgetId === undefined ? {} : { budgetId: payload.budgetId }),
    });
    const args = { ...payload.args };
    for (const [name, path] of Object.entries(payload.fileArgs ?? {})) {
      args[name] = (await readFile(join(payload.dir ?? '', path))).toString('base64');
    }
    const result: ToolCallResult = await client.callTool(payload.tool, args);
    const structured = (result.structuredContent ?? {}) as ToolJobResult;
    if (payload.output !== undefined) {
      const bytes = result.content.map(bytesOfResource).find((found) => found !== undefined);
      if (!bytes) {
        throw new MeshError(`${payload.tool} returned no media for ${payload.output}`, 'internal', {
          details: { tool: payload.tool },
        });
      }
      await writeFileAtomic(join(payload.dir ?? '', payload.output), bytes);
    }
    return structured;
  };
}
