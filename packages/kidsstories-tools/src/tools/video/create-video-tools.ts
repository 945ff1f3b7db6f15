import type { AnyToolDefinition } from '@kidsstories/mesh-core';
import { createAnimateImageTool } from './animate-image.js';
import { createBatchRenderTool } from './batch-render.js';
import { createSelectModelTool } from './select-model.js';
import { resolveVideoToolsOptions, type VideoToolsOptions } from './video-tools-options.js';

/**
 * The video server's tools: `select_model`, `animate_image` and `batch_render`, with the video provider and the
 * model catalogue injected by closure.
 *
 * @throws MeshError `invalid_argument` for an invalid catalogue.
 * @example
 * ```ts
 * const tools = createVideoTools({ providers: { video: createOfflineVideoProvider() } });
 * ```
 */
export function createVideoTools(options: VideoToolsOptions): AnyToolDefinition[] {
  const context = resolveVideoToolsOptions(options);
  return [createSelectModelTool(context), createAnimateImageTool(context), createBatchRenderTool(context)];
}
