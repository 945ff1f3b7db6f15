import { MeshError } from '@kidsstories/mesh-core';
import type { OpenAI } from 'openai';
import { encodeImage } from '../../media/image-encoding.js';
import { buildImagePromptParts } from '../../media/image-prompt.js';
import { defaultImageParameters, type ImageParameters } from '../../media/media-parameters-of.js';
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
  /** DALL-E 3 quality when a call carries no image parameters. Default `standard` (else `image_quality`). */
  quality?: 'standard' | 'hd';
  /** Provider name for errors. Default `azure-openai` or `openai` by client. */
  name?: string;
}

/** Sizes DALL-E 3 generates. */
const DALL_E_3_SIZES = ['1024x1024', '1792x1024', '1024x1792'] as const;
type DallE3Size = (typeof DALL_E_3_SIZES)[number];

/** Sizes below DALL-E 3's smallest: generated at 1024x1024, then scaled down with sharp. */
const SCALED_SIZES: Readonly<Record<string, { width: number; height: number }>> = {
  '768x768': { width: 768, height: 768 },
  '512x512': { width: 512, height: 512 },
};

/**
 * Builds the image prompt from the page prompt, the scene, the character guide and the image parameters
 * (default: every default), so every page describes each character with the same palette, features, clothing
 * and marks (character consistency). See `buildImagePromptParts`.
 *
 * @example
 * ```ts
 * buildImagePrompt({ prompt: 'Page 2', sceneDescription: 'A meadow at dawn', characters: [pip], style: 'watercolor' });
 * ```
 */
export function buildImagePrompt(
  request: { prompt: string; sceneDescription: string; characters: readonly CharacterLook[]; style?: string },
  parameters: ImageParameters = defaultImageParameters(),
): string {
  return buildImagePromptParts(request, parameters).prompt;
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
      const parameters = request.parameters ?? defaultImageParameters();
      // The tier a call asks for wins (the pipeline lowers it when HD keeps failing), then the parameters.
      const quality =
        request.quality ?? (request.parameters ? parameters.image_quality : (options.quality ?? 'standard'));
      // The smaller square sizes are made at 1024x1024 and scaled down.
      const scaled = SCALED_SIZES[request.size];
      const size = scaled ? '1024x1024' : request.size;
      if (!DALL_E_3_SIZES.includes(size as DallE3Size)) {
        throw new MeshError(
          `size must be one of ${[...DALL_E_3_SIZES, ...Object.keys(SCALED_SIZES)].join(', ')} for ${model}, got "${request.size}"`,
          'invalid_argument',
          { details: { field: 'size' } },
        );
      }
      let response: OpenAI.ImagesResponse;
      try {
        response = await options.client.images.generate(
          {
            model: options.deployment ?? model,
            prompt: buildImagePrompt(request, parameters),
            n: 1,
            size: size as DallE3Size,
            quality,
            style: parameters.image_style,
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
      const original = new Uint8Array(Buffer.from(image.b64_json, 'base64'));
      const measured = pngSizeOf(original, name);
      const { width, height } = scaled ?? measured;
      const png = await encodeImage(original, parameters.output_format, {
        quality: quality === 'hd' ? 95 : 85,
        ...(scaled && (measured.width !== width || measured.height !== height) ? { resize: scaled } : {}),
      });
      return {
        png,
        format: parameters.output_format,
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
