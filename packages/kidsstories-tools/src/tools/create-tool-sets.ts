import type { AnyToolDefinition } from '@kidsstories/mesh-core';
import type { KidsStoriesProviders } from '../providers/provider-types.js';
import { createMediaTools } from './media/create-media-tools.js';
import type { ServerName } from './server-name.js';
import { createTextTools } from './text/create-text-tools.js';
import { createVideoTools } from './video/create-video-tools.js';

/** The tools of each server, as `serve` offers them and `call` finds them. */
export type ToolSets = Record<ServerName, readonly AnyToolDefinition[]>;

/**
 * Builds the three servers' tools over one provider bundle: text (`generate_story`, `refine_readability`,
 * `embed_content`), media (`generate_image`, `generate_audio`, `apply_character_guide`) and video
 * (`select_model`, `animate_image`, `batch_render`).
 */
export function createToolSets(providers: KidsStoriesProviders): ToolSets {
  return {
    text: createTextTools({ providers }),
    media: createMediaTools({ providers }),
    video: createVideoTools({ providers }),
  };
}
