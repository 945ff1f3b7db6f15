import { createRandomSource, randomBetween } from '../../random/seeded-random.js';

/**
 * The camera path of the offline video provider: one crop window of the source picture per frame, eased from a
 * start to an end framing (pan-and-zoom, the "Ken Burns" effect).
 */

/** The camera moves the offline video provider can make. */
export type CameraMotion =
  | 'zoom_in'
  | 'zoom_out'
  | 'pan_left'
  | 'pan_right'
  | 'pan_up'
  | 'pan_down'
  | 'ken_burns'
  | 'parallax'
  | 'gentle_sway'
  | 'static';

/** Every {@link CameraMotion}. */
export const CAMERA_MOTIONS: readonly CameraMotion[] = [
  'zoom_in',
  'zoom_out',
  'pan_left',
  'pan_right',
  'pan_up',
  'pan_down',
  'ken_burns',
  'parallax',
  'gentle_sway',
  'static',
];

/**
 * Reads a motion from free text (`"slow zoom in on the fox"`, `"pan_left"`); `ken_burns` when it names none.
 * Exact {@link CameraMotion} names win.
 */
export function cameraMotionOf(text: string): CameraMotion {
  const normalised = text
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, '_');
  if ((CAMERA_MOTIONS as readonly string[]).includes(normalised)) return normalised as CameraMotion;
  // The motion_type parameter's `pan` travels left to right.
  if (normalised === 'pan') return 'pan_right';
  const words = text.toLowerCase();
  if (/zoom(ing)?\s*out|pull(ing)?\s*back|dolly\s*out/.test(words)) return 'zoom_out';
  if (/zoom|push(ing)?\s*in|dolly\s*in|close/.test(words)) return 'zoom_in';
  if (/\bleft\b/.test(words)) return 'pan_left';
  if (/\bright\b/.test(words)) return 'pan_right';
  if (/\b(up|rise|rising|tilt up)\b/.test(words)) return 'pan_up';
  if (/\b(down|tilt down|descend)\b/.test(words)) return 'pan_down';
  if (/\b(still|static|none|locked)\b/.test(words)) return 'static';
  return 'ken_burns';
}

/** A framing: crop centre as a fraction of the source (0 to 1) and a zoom factor (1 shows the whole picture). */
interface Framing {
  centreX: number;
  centreY: number;
  zoom: number;
}

/** Options for {@link planCameraPath}. */
export interface CameraPathOptions {
  motion: CameraMotion;
  /** Number of frames. */
  frameCount: number;
  /** Source picture size, in pixels. */
  sourceWidth: number;
  sourceHeight: number;
  /** Output aspect ratio (width / height). */
  outputAspect: number;
  /** Seed for the `ken_burns` start and end framing. */
  seed: number;
  /** Strongest zoom used, as a factor. Default 1.3. */
  maxZoom?: number;
  /**
   * Where the camera ends (zoom in, Ken Burns, pans) or starts (zoom out), as fractions of the picture: the
   * page's named object. Pans travel toward it from the other side. Default: the motion's own framing.
   */
  focus?: { x: number; y: number };
  /** The curve from start to end framing (the `easing` parameter). Default `ease_in_out` (smoothstep). */
  easing?: 'linear' | 'ease_in_out' | 'ease_out';
  /** Return to the start framing by the last frame (the `loop` parameter). Default false. */
  loop?: boolean;
  /** Frames that hold the start framing before the camera moves (the `start_hold_ms` parameter). Default 0. */
  holdFrames?: number;
}

const EASINGS = {
  linear: (progress: number) => progress,
  ease_in_out: (progress: number) => progress * progress * (3 - 2 * progress),
  ease_out: (progress: number) => 1 - (1 - progress) * (1 - progress),
} as const;

/**
 * Plans the crop window of every frame as a flat `Float32Array` of `[x, y, width, height]` in source pixels,
 * always inside the source. Deterministic for the same options.
 */
export function planCameraPath(options: CameraPathOptions): Float32Array {
  const maxZoom = options.maxZoom ?? 1.3;
  const random = createRandomSource(options.seed);
  const [start, end] = towardFocus(framings(options.motion, maxZoom, random), options.motion, options.focus);
  const rects = new Float32Array(options.frameCount * 4);
  const sourceAspect = options.sourceWidth / options.sourceHeight;
  // The largest window of the output's aspect that fits the source, at zoom 1.
  const baseWidth =
    sourceAspect > options.outputAspect ? options.sourceHeight * options.outputAspect : options.sourceWidth;
  const baseHeight = baseWidth / options.outputAspect;
  const ease = EASINGS[options.easing ?? 'ease_in_out'];
  const hold = Math.max(0, Math.min(options.holdFrames ?? 0, options.frameCount - 1));
  const moving = options.frameCount - hold;
  // gentle_sway rocks side to side around its framing instead of travelling.
  const sway = options.motion === 'gentle_sway' ? (1 - 1 / start.zoom) / 2 : 0;
  for (let frame = 0; frame < options.frameCount; frame++) {
    const linear = frame < hold || moving <= 1 ? 0 : (frame - hold) / (moving - 1);
    const progress = options.loop ? 1 - Math.abs(2 * linear - 1) : linear;
    const t = ease(progress);
    const zoom = start.zoom + (end.zoom - start.zoom) * t;
    const width = baseWidth / zoom;
    const height = baseHeight / zoom;
    const swayX = sway * Math.sin(2 * Math.PI * linear);
    const centreX = (start.centreX + (end.centreX - start.centreX) * t + swayX) * options.sourceWidth;
    const centreY = (start.centreY + (end.centreY - start.centreY) * t) * options.sourceHeight;
    const x = clamp(centreX - width / 2, 0, options.sourceWidth - width);
    const y = clamp(centreY - height / 2, 0, options.sourceHeight - height);
    rects.set([x, y, width, height], frame * 4);
  }
  return rects;
}

/** Moves the framing that ends (or, zooming out, starts) the motion onto the focus point. */
function towardFocus(
  [start, end]: [Framing, Framing],
  motion: CameraMotion,
  focus: { x: number; y: number } | undefined,
): [Framing, Framing] {
  if (!focus || motion === 'static' || motion === 'gentle_sway') return [start, end];
  const x = clamp(focus.x, 0, 1);
  const y = clamp(focus.y, 0, 1);
  if (motion === 'zoom_out') return [{ ...start, centreX: x, centreY: y }, end];
  if (motion === 'pan_left' || motion === 'pan_right') {
    // Travel toward the focus: from the side of the picture away from it.
    const from = x < 0.5 ? Math.max(0.5, 1 - x) : Math.min(0.5, 1 - x);
    return [
      { ...start, centreX: from },
      { ...end, centreX: x, centreY: y },
    ];
  }
  return [start, { ...end, centreX: x, centreY: y, zoom: Math.max(end.zoom, start.zoom) }];
}

function framings(motion: CameraMotion, maxZoom: number, random: () => number): [Framing, Framing] {
  const panZoom = 1 + (maxZoom - 1) * 0.8;
  // The side the window can travel at panZoom, as a fraction of the picture.
  const travel = (1 - 1 / panZoom) / 2;
  switch (motion) {
    case 'zoom_in':
      return [
        { centreX: 0.5, centreY: 0.5, zoom: 1 },
        { centreX: 0.5, centreY: 0.6, zoom: maxZoom },
      ];
    case 'zoom_out':
      return [
        { centreX: 0.5, centreY: 0.6, zoom: maxZoom },
        { centreX: 0.5, centreY: 0.5, zoom: 1 },
      ];
    case 'pan_left':
      return [
        { centreX: 0.5 + travel, centreY: 0.55, zoom: panZoom },
        { centreX: 0.5 - travel, centreY: 0.55, zoom: panZoom },
      ];
    case 'pan_right':
      return [
        { centreX: 0.5 - travel, centreY: 0.55, zoom: panZoom },
        { centreX: 0.5 + travel, centreY: 0.55, zoom: panZoom },
      ];
    case 'pan_up':
      return [
        { centreX: 0.5, centreY: 0.5 + travel, zoom: panZoom },
        { centreX: 0.5, centreY: 0.5 - travel, zoom: panZoom },
      ];
    case 'pan_down':
      return [
        { centreX: 0.5, centreY: 0.5 - travel, zoom: panZoom },
        { centreX: 0.5, centreY: 0.5 + travel, zoom: panZoom },
      ];
    case 'parallax':
      // A slow drift sideways while pushing in: near and far things seem to part.
      return [
        { centreX: 0.5 - travel * 0.6, centreY: 0.55, zoom: 1 + (maxZoom - 1) * 0.4 },
        { centreX: 0.5 + travel * 0.6, centreY: 0.5, zoom: maxZoom },
      ];
    case 'gentle_sway':
      return [
        { centreX: 0.5, centreY: 0.55, zoom: panZoom },
        { centreX: 0.5, centreY: 0.55, zoom: panZoom },
      ];
    case 'static':
      return [
        { centreX: 0.5, centreY: 0.5, zoom: 1 },
        { centreX: 0.5, centreY: 0.5, zoom: 1 },
      ];
    default: {
      const startZoom = randomBetween(random, 1, 1 + (maxZoom - 1) * 0.3);
      const endZoom = randomBetween(random, 1 + (maxZoom - 1) * 0.7, maxZoom);
      const zoomIn = random() < 0.5;
      const a = {
        centreX: randomBetween(random, 0.4, 0.6),
        centreY: randomBetween(random, 0.45, 0.65),
        zoom: startZoom,
      };
      const b = {
        centreX: randomBetween(random, 0.4, 0.6),
        centreY: randomBetween(random, 0.45, 0.65),
        zoom: endZoom,
      };
      return zoomIn ? [a, b] : [b, a];
    }
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}
