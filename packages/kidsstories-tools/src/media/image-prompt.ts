import type { CharacterLook } from '../providers/provider-types.js';
import { defaultImageParameters, type ImageParameters } from './media-parameters-of.js';

/**
 * The image prompt: the page, its scene, the character guide and every image parameter a model reads as words
 * (medium, composition, light, camera, colours, texture, faces, frame, lettering), then the negative prompt,
 * cut to `prompt_max_chars`. The cloud image provider sends it; `generate_image` passes its positive part
 * through the safety gate first.
 */

/** What a page prompt is built from. */
export interface ImagePromptRequest {
  /** What happens on the page. */
  prompt: string;
  sceneDescription: string;
  characters: readonly CharacterLook[];
  /** Style sentence; default the `style_prompt` parameter. */
  style?: string;
}

/** DALL-E 3 rejects prompts over 4000 characters. */
export const MAX_IMAGE_PROMPT_CHARS = 4000;

const COMPOSITION_SENTENCES: Record<ImageParameters['composition_rules'][number], string> = {
  rule_of_thirds: 'Place the main subject on a third of the frame.',
  centered_subject: 'Centre the main subject.',
  leave_text_space: 'Leave calm empty space at the top for text.',
  wide_establishing: 'Show the whole setting, as an establishing shot.',
  eye_level_framing: "Frame the scene at the characters' eye level.",
};

const WORDS = {
  lighting: {
    soft_daylight: 'soft daylight',
    golden_hour: 'warm golden-hour light',
    night_glow: 'a gentle night glow',
    overcast: 'soft overcast light',
  },
  camera_angle: {
    eye_level: 'eye-level view',
    low: 'low-angle view',
    high: 'high-angle view',
    birds_eye: "bird's-eye view",
  },
  shot_type: { close_up: 'close-up shot', medium: 'medium shot', wide: 'wide shot' },
  face_style: {
    round_friendly: 'round, friendly faces',
    simple_dots: 'simple faces with dot eyes',
    detailed: 'detailed, expressive faces',
  },
  border_style: { none: 'no frame', rounded: 'rounded corners', storybook_frame: 'a storybook frame' },
} as const;

/** The two halves of an image prompt: what to draw, and what to avoid. */
export interface ImagePromptParts {
  /** Everything but the negative prompt: what the safety gate checks. */
  positive: string;
  /** `Avoid: …`, or empty when the negative prompt is empty. */
  negative: string;
  /** Both, joined and cut to `prompt_max_chars` (at most 4000): what the model receives. */
  prompt: string;
}

/**
 * Builds the prompt of a page picture from the request and the image parameters.
 *
 * @example
 * ```ts
 * buildImagePromptParts({ prompt: 'Pip finds a stone.', sceneDescription: 'a sunny forest', characters: [] }).prompt;
 * ```
 */
export function buildImagePromptParts(
  request: ImagePromptRequest,
  parameters: ImageParameters = defaultImageParameters(),
): ImagePromptParts {
  const style = (request.style ?? parameters.style_prompt).trim();
  const medium = parameters.art_medium.replace('_', ' ');
  const lines = [
    `A gentle ${medium} children's picture-book illustration.${style ? ` Style: ${style}.` : ''}`,
    parameters.text_in_image
      ? 'Lettering may appear where the story needs it.'
      : 'No text or letters in the picture.',
    `Scene: ${request.sceneDescription}`,
  ];
  if (request.prompt.trim()) lines.push(`Moment: ${request.prompt.trim()}`);
  const composition = parameters.composition_rules.map((rule) => COMPOSITION_SENTENCES[rule]).join(' ');
  if (composition) lines.push(`Composition: ${composition}`);
  lines.push(
    `Look: ${WORDS.lighting[parameters.lighting]}, ${WORDS.camera_angle[parameters.camera_angle]}, ${WORDS.shot_type[parameters.shot_type]}; ${parameters.background_detail} scenery with ${parameters.perspective_depth} depth; ${parameters.line_weight} outlines; ${WORDS.face_style[parameters.face_style]}; ${WORDS.border_style[parameters.border_style]}.`,
    `Colour: saturation ${parameters.palette_saturation} (0 grey to 1 full), warmth ${parameters.palette_warmth} (-1 cool to 1 warm), contrast ${parameters.contrast} (0 flat to 1 strong); paper texture ${parameters.texture_grain} (0 none to 1 strong).`,
  );
  if (parameters.character_guide !== 'off') {
    for (const look of request.characters) lines.push(characterLine(look, parameters));
  }
  const positive = lines.join('\n');
  const negative = parameters.negative_prompt.trim() ? `Avoid: ${parameters.negative_prompt.trim()}` : '';
  const limit = Math.min(parameters.prompt_max_chars, MAX_IMAGE_PROMPT_CHARS);
  // The negative prompt is kept whole: the page text is what gives way when the prompt is too long.
  const room = negative ? limit - negative.length - 1 : limit;
  const body = positive.length > room ? positive.slice(0, Math.max(0, room)) : positive;
  const prompt = (negative ? `${body}\n${negative}` : body).slice(0, limit);
  return { positive, negative, prompt };
}

function characterLine(look: CharacterLook, parameters: ImageParameters): string {
  const colours =
    parameters.color_enforcement === 'strict'
      ? `colours exactly ${look.colorPalette.join(', ')}`
      : parameters.color_enforcement === 'prefer'
        ? `preferably in colours ${look.colorPalette.join(', ')}`
        : undefined;
  const parts = [
    look.species ? `a ${look.species}` : undefined,
    look.physicalFeatures.length ? `features: ${look.physicalFeatures.join(', ')}` : undefined,
    look.clothing.length ? `wearing ${look.clothing.join(', ')}` : undefined,
    look.colorPalette.length ? colours : undefined,
    look.distinctiveMarks.length ? `marks: ${look.distinctiveMarks.join(', ')}` : undefined,
  ].filter((part): part is string => part !== undefined);
  const keep =
    parameters.character_guide === 'strict'
      ? `Draw ${look.name} exactly like this on every page.`
      : `Keep ${look.name} roughly like this.`;
  return `${look.name}: ${parts.join('; ')}. ${keep}`;
}
