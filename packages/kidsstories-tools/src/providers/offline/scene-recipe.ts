import { createRequire } from 'node:module';
import { MeshError } from '@kidsstories/mesh-core';
import * as z from 'zod';
import { type ImageParameters, imageParametersOf } from '../../media/media-parameters-of.js';
import { resolveParameters } from '../../parameters/generation-parameters.js';
import type { SceneRequest } from './image-scene.js';

// meta-png is a UMD bundle whose named exports Node's ESM loader cannot see: load it with require.
const { addMetadata, getMetadata } = createRequire(import.meta.url)('meta-png') as typeof import('meta-png');

/**
 * The scene recipe an offline page picture carries: the request its SVG was composed from ({@link SceneRequest}),
 * as JSON in a PNG `tEXt` chunk (the way image tools record their generation parameters). The offline clip
 * renderer recomposes the picture from it in layers, so the characters can walk in and end where the picture
 * shows them. A picture without it (a cloud picture, an edited one) gets the camera move only.
 */

/** Keyword of the PNG `tEXt` chunk holding the recipe. */
export const SCENE_RECIPE_KEY = 'kidsstories-scene';

/**
 * Version of the recipe's layout; a picture of another version gets the camera move only. Version 2 added the
 * image `parameters` (the picture's styling: camera, outlines, colour filter, light, texture, frame).
 */
export const SCENE_RECIPE_VERSION = 2;

const lookSchema = z.object({
  name: z.string().max(200),
  species: z.string().max(200).optional(),
  physicalFeatures: z.array(z.string().max(500)).max(50),
  clothing: z.array(z.string().max(500)).max(50),
  colorPalette: z.array(z.string().max(50)).max(20),
  distinctiveMarks: z.array(z.string().max(500)).max(50),
});

const recipeSchema = z.object({
  v: z.number().int(),
  sceneDescription: z.string().max(20_000),
  caption: z.string().max(20_000).optional(),
  characters: z.array(lookSchema).max(20),
  seed: z.number().int(),
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
  // The image parameters the picture was drawn with; checked against the parameter table when read.
  parameters: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The PNG with the scene recipe added as a `tEXt` chunk (ASCII JSON: other characters are `\u` escapes, since
 * `tEXt` is Latin-1).
 *
 * @example
 * ```ts
 * const withRecipe = writeSceneRecipe(png, { sceneDescription: 'a beach', characters, seed: 1, width: 1024, height: 1024 });
 * ```
 */
export function writeSceneRecipe(png: Uint8Array, request: SceneRequest): Uint8Array {
  const recipe = {
    v: SCENE_RECIPE_VERSION,
    sceneDescription: request.sceneDescription,
    ...(request.caption === undefined ? {} : { caption: request.caption }),
    // Only the look's fields: the recipe stays small and a look's other fields never leak into the picture.
    characters: request.characters.map((look) => ({
      name: look.name,
      ...(look.species === undefined ? {} : { species: look.species }),
      physicalFeatures: look.physicalFeatures,
      clothing: look.clothing,
      colorPalette: look.colorPalette,
      distinctiveMarks: look.distinctiveMarks,
    })),
    seed: request.seed,
    width: request.width,
    height: request.height,
    ...(request.parameters === undefined ? {} : { parameters: request.parameters }),
  };
  const ascii = JSON.stringify(recipe).replace(
    /[\u007f-\uffff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return addMetadata(png, SCENE_RECIPE_KEY, ascii);
}

/**
 * The scene recipe of a PNG, or undefined when it has none or one of another layout version.
 *
 * @throws MeshError `invalid_argument` (field `png`) when the chunk is there but is not a valid recipe.
 */
export function readSceneRecipe(png: Uint8Array): SceneRequest | undefined {
  const text = getMetadata(png, SCENE_RECIPE_KEY);
  if (text === undefined) return undefined;
  let parsed: z.infer<typeof recipeSchema>;
  let parameters: ImageParameters | undefined;
  try {
    parsed = recipeSchema.parse(JSON.parse(text));
    if (parsed.v === SCENE_RECIPE_VERSION && parsed.parameters !== undefined)
      parameters = imageParametersOf(resolveParameters(parsed.parameters));
  } catch (error) {
    throw new MeshError(
      `the picture's ${SCENE_RECIPE_KEY} chunk is not a valid scene recipe: ${(error as Error).message.slice(0, 200)}`,
      'invalid_argument',
      { cause: error, details: { field: 'png' } },
    );
  }
  if (parsed.v !== SCENE_RECIPE_VERSION) return undefined;
  const { v: _version, parameters: _stored, ...request } = parsed;
  return { ...(request as SceneRequest), ...(parameters === undefined ? {} : { parameters }) };
}

/**
 * The PNG without its scene recipe (the other chunks as they are): a picture an offline clip animates with the
 * camera only, as before issue 13.
 *
 * @example
 * ```ts
 * const still = withoutSceneRecipe(png);
 * ```
 */
export function withoutSceneRecipe(png: Uint8Array): Uint8Array {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const kept: Uint8Array[] = [png.subarray(0, 8)];
  const keyword = new TextEncoder().encode(`${SCENE_RECIPE_KEY}\0`);
  for (let offset = 8; offset + 12 <= png.length; ) {
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    const data = png.subarray(offset + 8, offset + 8 + length);
    const isRecipe = type === 'tEXt' && keyword.every((byte, index) => data[index] === byte);
    if (!isRecipe) kept.push(png.subarray(offset, end));
    offset = end;
  }
  return new Uint8Array(Buffer.concat(kept));
}
