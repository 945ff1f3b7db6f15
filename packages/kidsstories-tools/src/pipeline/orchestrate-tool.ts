import { defineTool, type ToolDefinition } from '@kidsstories/mesh-core';
import * as z from 'zod';
import { type StoryManifest, storyManifestSchema } from '../bundle/bundle-manifest.js';
import { type OrchestrateArgs, orchestrateInputSchema } from './orchestrate-input.js';
import type { StoryPipeline } from './story-pipeline.js';

/** Output of `orchestrate`: the bundle's manifest, where the bundle is, and whether it already existed. */
export const orchestrateOutputSchema = storyManifestSchema.extend({
  bundleDir: z.string().describe('Folder of the bundle on the machine that wrote it.'),
  reused: z.boolean().describe('True when a verified bundle was already there and nothing was generated.'),
});

/** Output of `orchestrate`. */
export type OrchestrateOutput = StoryManifest & { bundleDir: string; reused: boolean };

/** Options for {@link createOrchestrateTool}. */
export interface OrchestrateToolOptions {
  /** Deadline of one call, in milliseconds. Default 1 800 000 (30 min). */
  timeoutMs?: number;
}

/**
 * The gateway tool `orchestrate`: makes (or finds) the story bundle of one date and age band with `pipeline`,
 * reporting progress (stage, page, percent) as MCP progress notifications. Compose it into any gateway with
 * `createGateway({ tools: [createOrchestrateTool(pipeline)] })`.
 *
 * @throws MeshError `invalid_argument` naming the field for bad input, `resource_exhausted` when the budget says
 *   halt, `aborted` when the generation lock was lost (call again to resume), and the steps' own errors.
 */
export function createOrchestrateTool(
  pipeline: StoryPipeline,
  options: OrchestrateToolOptions = {},
): ToolDefinition<OrchestrateArgs, OrchestrateOutput> {
  return defineTool<OrchestrateArgs, OrchestrateOutput>({
    name: 'orchestrate',
    title: 'Make the story of the day',
    description:
      "Writes, refines, illustrates, narrates and animates one children's story for a date and age band through the mesh, and publishes it as a bundle (story-manifest.json last). Idempotent and resumable: an existing bundle is returned as is, and a failed run continues from its last finished step.",
    inputSchema: orchestrateInputSchema,
    outputSchema: orchestrateOutputSchema,
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: true },
    timeoutMs: options.timeoutMs ?? 1_800_000,
    handler: async (input, context) => {
      const { dir, manifest, reused } = await pipeline.run(input, {
        signal: context.signal,
        onProgress: (progress) => context.reportProgress(progress),
      });
      const output: OrchestrateOutput = { ...manifest, bundleDir: dir, reused };
      return {
        structuredContent: output,
        content: [
          {
            type: 'text',
            text: `${reused ? 'Found' : 'Made'} "${manifest.title}" (${manifest.date}, ages ${manifest.ageBand}): ${manifest.pages.length} pages, ${manifest.pages.filter((page) => page.clip).length} clips, ${manifest.costUsd} USD, in ${dir}.`,
          },
        ],
      };
    },
  });
}
