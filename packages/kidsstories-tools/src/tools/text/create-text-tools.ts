import type { AnyToolDefinition } from '@kidsstories/mesh-core';
import { createEmbedContentTool } from './embed-content.js';
import { createGenerateStoryTool } from './generate-story.js';
import { createRefineReadabilityTool } from './refine-readability.js';
import { resolveTextToolsOptions, type TextToolsOptions } from './text-tool-support.js';

/**
 * The text server's tools, `generate_story`, `refine_readability` and `embed_content`, sharing one set of
 * providers (injected here by closure; see docs/decisions/0001-provider-injection.md). Providers left out are
 * the offline ones, so `createTextTools()` works with no keys and no network.
 *
 * @example
 * ```ts
 * const tools = createTextTools({ providers: { story: myAzureStoryProvider } });
 * for (const tool of tools) host.register(tool);
 * ```
 */
export function createTextTools(options: TextToolsOptions = {}): AnyToolDefinition[] {
  // Resolve once so the three tools share the same provider instances.
  const resolved = resolveTextToolsOptions(options);
  const shared: TextToolsOptions = { ...options, providers: resolved.providers };
  return [
    createGenerateStoryTool(shared),
    createRefineReadabilityTool(shared),
    createEmbedContentTool(shared),
  ];
}
