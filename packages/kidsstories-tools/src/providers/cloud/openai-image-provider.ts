import { MeshError } from '@kidsstories/mesh-core';
import type { OpenAI } from 'openai';
import { meshErrorFromProvider } from '../provider-errors.js';
import type { CharacterLook, ImageProvider, ProviderCallOptions } from '../provider-types.js';
import { providerNameOf } from './openai-story-provider.js';
import { pngSizeOf } from './png-info.js';

/** Options for {@link createOpenAIImageProvider}. */
export interface OpenAIImageProviderOptions {
  /** An `openai` client (Azure OpenAI or OpenAI). */
  client: OpenAI;
  /** Model name, for pricing and as `model` on OpenAI. Default `dall-e-3`. */
  model?: string;
  /** Azure deployment sent as `model` (path `/openai/deployments/{deployment}/images/generations`). Default: `model`. */
  deployment?: string;
  /** DALL-E 3 quality. Default `standard`. */
  quality?: 'standard' | 'hd';
  /** Provider name for errors. Default `azure-openai` or `openai` by client. */
  name?: string;
}

/** Sizes DALL-E 3 generates. */
const DALL_E_3_SIZES = ['1024x1024', '1792x1024', '1024x1792'] as const;
type DallE3Size = (typeof DALL_E_3_SIZES)[number];

/** DALL-E 3 rejects prompts over 4000 characters. */
const MAX_PROMPT_CHARS = 4000;

/**
 * Builds the image prompt from the page prompt, the scene and the character guide, so every page describes each
 * character with the same palette, features, clothing and marks (character consistency).
 *
 * @example
 * ```ts
 * buildImagePrompt({ prompt: 'Page 2', sceneDescription: 'A meadow at dawn', characters: [pip], style: 'watercolor' });
 * ```
 */
export function buildImagePrompt(request: {
  prompt: string;
  sceneDescription: string;
  characters: readonly CharacterLook[];
  style?: string;
}): string {
  const style = request.style ? `${request.style} ` : '';
  const lines = [
    `A gentle ${style}children's picture-book illustration, no text or letters in the picture.`,
    `Scene: ${request.sceneDescription}`,
  ];
  if (request.prompt.trim()) lines.push(`Moment: ${request.prompt.trim()}`);
  for (const look of request.characters) {
    const parts = [
      look.species ? `a ${look.species}` : undefined,
      look.physicalFeatures.length ? `features: ${look.physicalFeatures.join(', ')}` : undefined,
      look.clothing.length ? `wearing ${look.clothing.join(', ')}` : undefined,
      look.colorPalette.length ? `colours exactly ${look.colorPalette.join(', ')}` : undefined,
      look.distinctiveMarks.length ? `marks: ${look.distinctiveMarks.join(', ')}` : undefined,
    ].filter((part): part is string => part !== undefined);
    lines.push(`${look.name}: ${parts.join('; ')}. Draw ${look.name} exactly like this on every page.`);
  }
  const prompt = lines.join('\n');
  return prompt.length > MAX_PROMPT_CHARS ? prompt.slice(0, MAX_PROMPT_CHARS) : prompt;
}

/**
 * An {@link ImageProvider} over images/generations (DALL-E 3): one image, `response_format: 'b64_json'`, sizes
 * `1024x1024` (the KidsStories default), `1792x1024` or `1024x1792`. The prompt is built with
 * {@link buildImagePrompt} from the character guide; the tool has already passed it through the safety gate.
 *
 * @throws MeshError `invalid_argument` for a size DALL-E 3 cannot make; content-policy refusals
 *   (`content_policy_violation`) as `failed_precondition`; other failures through `meshErrorFromProvider`.
 * @example
 * ```ts
 * const images = createOpenAIImageProvider({ client, deployment: 'dalle-3-prod' });
 * const { png } = await images.generateImage({ prompt, sceneDescription, characters, size: '1024x1024' });
 * ```
 */
export function createOpenAIImageProvider(options: OpenAIImageProviderOptions): ImageProvider {
  const model = options.model ?? 'dall-e-3';
  const name = options.name ?? providerNameOf(options.client);
  return {
    name,
    async generateImage(request, callOptions: ProviderCallOptions = {}) {
      // The tier a call asks for wins (the pipeline lowers it when HD keeps failing).
      const quality = request.quality ?? options.quality ?? 'standard';
      if (!DALL_E_3_SIZES.includes(request.size as DallE3Size)) {
        throw new MeshError(
          `size must be one of ${DALL_E_3_SIZES.join(', ')} for ${model}, got "${request.size}"`,
          'invalid_argument',
          { details: { field: 'size' } },
        );
      }
      let response: OpenAI.ImagesResponse;
      try {
        response = await options.client.images.generate(
          {
            model: options.deployment ?? model,
            prompt: buildImagePrompt(request),
            n: 1,
            size: request.size as DallE3Size,
            quality,
            response_format: 'b64_json',
          },
          { signal: callOptions.signal ?? null },
        );
      } catch (error) {
        throw meshErrorFromProvider(error, { provider: name });
      }
      const image = response.data?.[0];
      if (!image?.b64_json) {
        throw new MeshError(`${name}: the response holds no b64_json image`, 'internal', {
          details: { provider: name },
        });
      }
      const png = new Uint8Array(Buffer.from(image.b64_json, 'base64'));
      const { width, height } = pngSizeOf(png, name);
      return {
        png,
        width,
        height,
        ...(image.revised_prompt ? { revisedPrompt: image.revised_prompt } : {}),
        // HD images are priced apart (`dall-e-3-hd` in the price tables).
        usage: {
          model: quality === 'hd' && model === 'dall-e-3' ? 'dall-e-3-hd' : model,
          images: 1,
          requests: 1,
        },
      };
    },
  };
}
