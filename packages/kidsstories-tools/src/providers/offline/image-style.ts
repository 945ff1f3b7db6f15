import type { ImageParameters } from '../../media/media-parameters-of.js';
import { createRandomSource, randomBetween } from '../../random/seeded-random.js';
import type { CharacterLook } from '../provider-types.js';
import { shade } from './image-character.js';

/**
 * How the image parameters change an offline page picture. The scene composer reads a {@link SceneStyle}
 * (what is drawn and where); the finished SVG then gets the colour filter, the light wash, the paper texture,
 * the outline weight and the frame ({@link styleSvg}). Every parameter at its default leaves the picture as the
 * illustrator draws it, apart from the default paper texture.
 */

/** What the scene composer needs from the image parameters. */
export interface SceneStyle {
  backgroundDetail: ImageParameters['background_detail'];
  perspectiveDepth: ImageParameters['perspective_depth'];
  faceStyle: ImageParameters['face_style'];
  /** Where the characters stand: centred, on a third, or seeded. */
  placement: 'centered' | 'thirds' | 'seeded';
  /** The camera angle (vertical shift, in scene units) and shot type (scale about a point). */
  camera: { shift: number; scale: number; x: number; y: number };
}

/** The scene style of the default parameters: the illustrator's own drawing. */
export const DEFAULT_SCENE_STYLE: SceneStyle = {
  backgroundDetail: 'moderate',
  perspectiveDepth: 'layered',
  faceStyle: 'round_friendly',
  placement: 'seeded',
  camera: { shift: 0, scale: 1, x: 512, y: 512 },
};

/** The SVG transform of a camera, or empty when it leaves the scene as drawn. */
export function cameraTransformOf(camera: SceneStyle['camera']): string {
  const parts: string[] = [];
  if (camera.shift !== 0) parts.push(`translate(0 ${camera.shift})`);
  if (camera.scale !== 1)
    parts.push(
      `translate(${camera.x} ${camera.y}) scale(${camera.scale}) translate(${-camera.x} ${-camera.y})`,
    );
  return parts.join(' ');
}

/** Where a point of the scene (scene units) ends up in the picture through a camera. */
export function throughCamera(camera: SceneStyle['camera'], x: number, y: number): { x: number; y: number } {
  return {
    x: camera.x + (x - camera.x) * camera.scale,
    y: camera.shift + camera.y + (y - camera.y) * camera.scale,
  };
}

const CAMERA_SHIFT: Record<ImageParameters['camera_angle'], number> = {
  eye_level: 0,
  low: 110,
  high: -110,
  birds_eye: -220,
};
const SHOT: Record<ImageParameters['shot_type'], { scale: number; x: number; y: number }> = {
  close_up: { scale: 1.35, x: 512, y: 800 },
  medium: { scale: 1, x: 512, y: 512 },
  wide: { scale: 0.8, x: 512, y: 560 },
};

/** The {@link SceneStyle} of a set of image parameters. */
export function sceneStyleOf(parameters: ImageParameters): SceneStyle {
  const shot = SHOT[parameters.shot_type];
  const rules = parameters.composition_rules;
  return {
    backgroundDetail: parameters.background_detail,
    perspectiveDepth: parameters.perspective_depth,
    faceStyle: parameters.face_style,
    placement: rules.includes('centered_subject')
      ? 'centered'
      : rules.includes('rule_of_thirds')
        ? 'thirds'
        : 'seeded',
    camera: { shift: CAMERA_SHIFT[parameters.camera_angle], ...shot },
  };
}

const NEUTRAL_PALETTE = ['#9e9e9e', '#757575', '#e0e0e0'];

/**
 * The characters as the parameters let the guide show them: at most `characters_per_image_max` is applied by
 * the tool; here `character_guide` (loose drops clothing and marks, off also the colours) and
 * `color_enforcement` (prefer softens the colours, off greys them).
 */
export function styledLooks(looks: readonly CharacterLook[], parameters: ImageParameters): CharacterLook[] {
  return looks.map((look) => {
    let palette = look.colorPalette;
    if (parameters.color_enforcement === 'prefer') palette = palette.map((colour) => shade(colour, 0.35));
    if (parameters.color_enforcement === 'off' || parameters.character_guide === 'off')
      palette = NEUTRAL_PALETTE;
    if (parameters.character_guide === 'strict') return { ...look, colorPalette: palette };
    return {
      ...look,
      colorPalette: palette,
      clothing: [],
      distinctiveMarks: [],
      ...(parameters.character_guide === 'off' ? { physicalFeatures: [] } : {}),
    };
  });
}

/** The colour filter's matrices, or undefined when the colours stay as drawn. */
function toneFilter(parameters: ImageParameters): string | undefined {
  const vivid = parameters.image_style === 'vivid';
  const saturation = (parameters.palette_saturation / 0.7) * (vivid ? 1.2 : 1);
  const warmth = parameters.palette_warmth - 0.2;
  const slope = (1 + (parameters.contrast - 0.5) * 1.2) * (vivid ? 1.1 : 1);
  if (saturation === 1 && warmth === 0 && slope === 1) return undefined;
  // Saturation as a luminance-preserving matrix (valid beyond 1, unlike feColorMatrix type="saturate").
  const [lr, lg, lb] = [0.2126, 0.7152, 0.0722];
  const s = saturation;
  const row = (own: number) =>
    [lr, lg, lb].map((weight, index) => weight * (1 - s) + (index === own ? s : 0));
  const [r, g, b] = [row(0), row(1), row(2)];
  const matrix = [
    ...(r as number[]),
    0,
    0.12 * warmth,
    ...(g as number[]),
    0,
    0.02 * warmth,
    ...(b as number[]),
    0,
    -0.12 * warmth,
    0,
    0,
    0,
    1,
    0,
  ]
    .map((value) => round(value))
    .join(' ');
  const intercept = round((1 - slope) / 2);
  const func = (channel: string) =>
    `<feFunc${channel} type="linear" slope="${round(slope)}" intercept="${intercept}"/>`;
  return `<filter id="tone" filterUnits="userSpaceOnUse" x="0" y="0" width="1024" height="1024" color-interpolation-filters="sRGB"><feColorMatrix type="matrix" values="${matrix}"/><feComponentTransfer>${func('R')}${func('G')}${func('B')}</feComponentTransfer></filter>`;
}

const LIGHT_WASH: Record<ImageParameters['lighting'], { colour: string; opacity: number } | undefined> = {
  soft_daylight: undefined,
  golden_hour: { colour: '#ffb347', opacity: 0.22 },
  night_glow: { colour: '#1a237e', opacity: 0.35 },
  overcast: { colour: '#9e9e9e', opacity: 0.28 },
};

/** The paper texture tile of a medium (96 x 96 units), drawn in a dark pigment. */
function textureTile(medium: ImageParameters['art_medium']): string | undefined {
  const random = createRandomSource(7);
  const at = () => round(randomBetween(random, 0, 96));
  const out: string[] = [];
  switch (medium) {
    case 'digital_paint':
      return undefined;
    case 'watercolor':
      for (let index = 0; index < 6; index++)
        out.push(
          `<circle cx="${at()}" cy="${at()}" r="${round(randomBetween(random, 6, 18))}" fill-opacity="0.35"/>`,
        );
      break;
    case 'crayon':
      for (let index = 0; index < 14; index++) {
        const x = at();
        const y = at();
        out.push(
          `<line x1="${x}" y1="${y}" x2="${round(x + 10)}" y2="${round(y - 6)}" stroke="#5d4037" stroke-width="1.6"/>`,
        );
      }
      break;
    case 'pencil':
      for (let offset = -96; offset < 96; offset += 8)
        out.push(
          `<line x1="${offset}" y1="96" x2="${offset + 96}" y2="0" stroke="#5d4037" stroke-width="0.8"/>`,
        );
      break;
    case 'paper_cutout':
      for (let index = 0; index < 8; index++) {
        const x = at();
        const y = at();
        out.push(`<path d="M${x} ${y} q8 -5 16 0 t16 0" fill="none" stroke="#5d4037" stroke-width="1"/>`);
      }
      break;
    case 'gouache':
      for (let index = 0; index < 40; index++) out.push(`<circle cx="${at()}" cy="${at()}" r="1.4"/>`);
      break;
  }
  return `<pattern id="grain" width="96" height="96" patternUnits="userSpaceOnUse"><g fill="#5d4037">${out.join('')}</g></pattern>`;
}

const BORDERS: Record<ImageParameters['border_style'], string> = {
  none: '',
  rounded:
    '<rect x="-40" y="-40" width="1104" height="1104" rx="120" fill="none" stroke="#fffaf0" stroke-width="160"/>',
  storybook_frame:
    '<rect x="18" y="18" width="988" height="988" rx="24" fill="none" stroke="#8d5524" stroke-width="22"/><rect x="42" y="42" width="940" height="940" rx="14" fill="none" stroke="#e0b070" stroke-width="6"/>',
};

const LINE_SCALE: Record<ImageParameters['line_weight'], number> = { thin: 0.5, medium: 1, bold: 2 };

/** Every `stroke-width` of the markup scaled by the outline weight. */
function lined(markup: string, parameters: ImageParameters): string {
  const lineScale = LINE_SCALE[parameters.line_weight];
  return lineScale === 1
    ? markup
    : markup.replace(
        /stroke-width="([\d.]+)"/g,
        (_, width: string) => `stroke-width="${round(Number(width) * lineScale)}"`,
      );
}

/** The light wash and the paper texture over the scene: their pattern definition and their markup. */
function overlays(parameters: ImageParameters): { defs: string[]; over: string } {
  const defs: string[] = [];
  const over: string[] = [];
  const wash = LIGHT_WASH[parameters.lighting];
  if (wash)
    over.push(
      `<rect x="0" y="0" width="1024" height="1024" fill="${wash.colour}" fill-opacity="${wash.opacity}"/>`,
    );
  const tile = parameters.texture_grain > 0 ? textureTile(parameters.art_medium) : undefined;
  if (tile) {
    defs.push(tile);
    over.push(
      `<rect x="0" y="0" width="1024" height="1024" fill="url(#grain)" opacity="${round(parameters.texture_grain * 0.6)}"/>`,
    );
  }
  return { defs, over: over.join('') };
}

/**
 * Applies the picture-wide parameters to a composed scene: outline weight (every `stroke-width` scaled), the
 * colour filter, the light wash and the paper texture over the scene, then the caption and the frame on top.
 *
 * @param scene - The scene's layers (inside the 1024-unit viewBox), without the caption.
 * @param caption - The caption layer, drawn above the filters.
 */
export function styleSvg(scene: string, caption: string, parameters: ImageParameters): string {
  const tone = toneFilter(parameters);
  const { defs, over } = overlays(parameters);
  if (tone) defs.unshift(tone);
  const body = tone ? `<g filter="url(#tone)">${lined(scene, parameters)}</g>` : lined(scene, parameters);
  return `${defs.length > 0 ? `<defs>${defs.join('')}</defs>` : ''}${body}${over}${caption}${BORDERS[parameters.border_style]}`;
}

/**
 * {@link styleSvg} split for a picture drawn in separate layers (an offline clip's scene, characters and
 * weather): `filtered` gives one part of the scene its outline weight and colour filter, `top` is what
 * {@link styleSvg} draws over the filtered scene (light wash, texture, caption, frame), unfiltered. The colour
 * filter is affine per pixel, so the filtered parts composited equal the filtered composite (up to edge
 * antialiasing and clamping). Each part carries its own `<defs>`, so it renders as a document of its own.
 */
export function styleLayers(parameters: ImageParameters): {
  filtered: (part: string) => string;
  top: (caption: string) => string;
} {
  const tone = toneFilter(parameters);
  const { defs, over } = overlays(parameters);
  return {
    filtered: (part) =>
      tone
        ? `<defs>${tone}</defs><g filter="url(#tone)">${lined(part, parameters)}</g>`
        : lined(part, parameters),
    top: (caption) =>
      `${defs.length > 0 ? `<defs>${defs.join('')}</defs>` : ''}${over}${caption}${BORDERS[parameters.border_style]}`,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
