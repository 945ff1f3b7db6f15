import type { AnyToolDefinition } from '@kidsstories/mesh-core';
import { createApplyCharacterGuideTool } from './apply-character-guide.js';
import { createGenerateAudioTool } from './generate-audio.js';
import { createGenerateImageTool } from './generate-image.js';
import { type MediaToolsOptions, resolveMediaToolsOptions } from './media-tools-context.js';

/**
 * The media server's tools: `generate_image`, `generate_audio` and `apply_character_guide`, with the providers
 * injected by closure.
 *
 * @example
 * ```ts
 * const tools = createMediaTools({
 *   providers: { image: createOfflineImageProvider(), speech: createOfflineSpeechProvider(), safety },
 * });
 * ```
 */
export function createMediaTools(options: MediaToolsOptions): AnyToolDefinition[] {
  const context = resolveMediaToolsOptions(options);
  return [
    createGenerateImageTool(context),
    createGenerateAudioTool(context),
    createApplyCharacterGuideTool(context),
  ];
}
