/**
 * The character paths of an offline clip: each character of the page walks (with a gentle bob) from where the
 * page's action brings it to where the picture shows it, so the clip ends on the page picture. Offsets are in
 * the pixels of the frames the clip is rendered from.
 */

/**
 * How the characters come into the clip: `enter` walks them in from outside the picture (the page says someone
 * arrives, runs, sets off...), `approach` walks them a short way into place.
 */
export type CharacterEntrance = 'enter' | 'approach';

/** Easing of a character's walk (the `easing` parameter's values). */
export type MotionEasing = 'linear' | 'ease_in_out' | 'ease_out';

const MOVING_WORDS =
  /\b(arriv\w*|c[ao]me|comes|coming|ran|run\w*|walk\w*|went|go(es|ing)?|set(s)? off|hurri\w*|hurry|rac\w*|dash\w*|hop\w*|skip\w*|march\w*|wander\w*|stroll\w*|climb\w*|swam|swim\w*|flew|fly\w*|follow\w*|jog\w*|rush\w*|head(ed|s)? (to|for|off|out|back|home)|return\w*|journey\w*|travel\w*|step(ped|s)? (in|out|into|onto)|burst in|rolled|zoom\w*|toward|towards)\b/;

/** `enter` when the page's text names a movement (arrives, runs, follows, heads to...), else `approach`. */
export function characterEntranceOf(text: string): CharacterEntrance {
  return MOVING_WORDS.test(text.toLowerCase()) ? 'enter' : 'approach';
}

/** A character's sprite as the picture shows it: its box in pixels. */
export interface SpriteBox {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Options for {@link planCharacterPaths}. */
export interface CharacterPathOptions {
  /** The characters' boxes in the picture, in drawing order (left to right). */
  sprites: readonly SpriteBox[];
  /** Whether the characters face left (they walk the way they face). */
  facingLeft: boolean;
  entrance: CharacterEntrance;
  /** Number of frames. */
  frameCount: number;
  /** Width of the picture the boxes are in, in pixels. */
  pictureWidth: number;
  /** Sprite size in pixels (the height of a standing character), for the step length and bob. */
  spriteSizePx: number;
  /** How far and how lively the characters move, 0 (still) to 1. Default 0.4 (`motion_intensity`). */
  intensity?: number;
  /** Easing of each walk. Default `ease_in_out`. */
  easing?: MotionEasing;
  /** Frames held still before anyone moves (`start_hold_ms` times fps). Default 0. */
  startHoldFrames?: number;
  /**
   * Whether the clip ends where it starts (`loop`): the characters then stay in their place in the picture and
   * hop there, so the first and last frames both show the picture. Default false.
   */
  loop?: boolean;
}

/** Default `motion_intensity`: the walk the entrances are designed for. */
const DEFAULT_INTENSITY = 0.4;
/** Share of the moving frames the walks take; the rest of the clip the characters stand as in the picture. */
const WALK_SHARE = 0.6;
/** Delay between one character's start and the next one's, as a share of the walk window. */
const FOLLOW_SHARE = 0.15;

/**
 * Plans each character's offset from its place in the picture for every frame, as a flat `Float32Array` of
 * `[dx, dy]` per frame and character (`(frame * count + character) * 2`). The front character (the one nearest
 * where they walk to) sets off first and the others follow a beat later, each bobbing with its steps; every
 * offset is 0 on the last frame, so the clip ends on the picture. Deterministic for the same options.
 *
 * @example
 * ```ts
 * const offsets = planCharacterPaths({ sprites, facingLeft: true, entrance: 'enter', frameCount: 240, pictureWidth: 1024, spriteSizePx: 300 });
 * ```
 */
export function planCharacterPaths(options: CharacterPathOptions): Float32Array {
  const count = options.sprites.length;
  const frames = options.frameCount;
  const offsets = new Float32Array(frames * count * 2);
  const strength = Math.max(0, options.intensity ?? DEFAULT_INTENSITY) / DEFAULT_INTENSITY;
  if (count === 0 || frames < 2 || strength === 0) return offsets;
  const ease = EASINGS[options.easing ?? 'ease_in_out'];
  const hold = Math.min(Math.max(0, Math.round(options.startHoldFrames ?? 0)), frames - 2);
  const span = frames - 1 - hold;
  const bob = options.spriteSizePx * 0.05 * Math.min(strength, 2);
  if (options.loop) {
    // In place: hops over the whole clip, back at rest on the first and last frame.
    const hops = Math.max(1, Math.round(span / 8));
    for (let frame = hold; frame < frames; frame++) {
      const progress = ease((frame - hold) / span);
      for (let index = 0; index < count; index++) {
        offsets[(frame * count + index) * 2 + 1] = lift(bob, hops, progress);
      }
    }
    return offsets;
  }
  // They walk the way they face: +1 right, -1 left, and so come from the other side.
  const direction = options.facingLeft ? -1 : 1;
  const distance =
    walkDistance(options, direction) * (options.entrance === 'enter' ? Math.min(1, strength) : 1);
  const stepLength = options.spriteSizePx * 0.45;
  const steps = Math.max(1, Math.round(distance / stepLength));
  // Front first: sorted by how far along the walking direction each one stands.
  const order = options.sprites
    .map((sprite, index) => ({ index, front: direction * (sprite.x + sprite.width / 2) }))
    .sort((a, b) => b.front - a.front);
  const window = span * WALK_SHARE;
  const stagger = count > 1 ? window * FOLLOW_SHARE : 0;
  const walkFrames = Math.max(1, window - stagger * (count - 1));
  order.forEach(({ index }, rank) => {
    const start = hold + rank * stagger;
    for (let frame = 0; frame < frames; frame++) {
      const progress = clamp((frame - start) / walkFrames, 0, 1);
      const eased = ease(progress);
      const at = (frame * count + index) * 2;
      offsets[at] = -direction * distance * (1 - eased);
      offsets[at + 1] = lift(bob, steps, eased);
    }
  });
  return offsets;
}

/** The box of character `index` on `frame`, given the planned offsets. */
export function spriteBoxAt(
  sprites: readonly SpriteBox[],
  offsets: Float32Array,
  frame: number,
  index: number,
): SpriteBox {
  const sprite = sprites[index];
  if (!sprite) throw new RangeError(`no character ${index}`);
  const at = (frame * sprites.length + index) * 2;
  return {
    name: sprite.name,
    x: sprite.x + (offsets[at] ?? 0),
    y: sprite.y + (offsets[at + 1] ?? 0),
    width: sprite.width,
    height: sprite.height,
  };
}

/**
 * How far the characters walk: `enter`, far enough that each starts outside the picture on the side they come
 * from; `approach`, a quarter of the picture (more with a stronger intensity).
 */
function walkDistance(options: CharacterPathOptions, direction: number): number {
  if (options.entrance === 'approach') {
    const strength = (options.intensity ?? DEFAULT_INTENSITY) / DEFAULT_INTENSITY;
    return options.pictureWidth * 0.25 * Math.min(strength, 2.5);
  }
  // Walking right they come from the left: the rightmost edge must start left of 0 (and the mirror image).
  const needed = options.sprites.map((sprite) =>
    direction > 0 ? sprite.x + sprite.width : options.pictureWidth - sprite.x,
  );
  return Math.max(...needed) + 2;
}

/** The bob of `steps` steps at `progress` (0 to 1): up on each step, exactly 0 at rest. */
function lift(bob: number, steps: number, progress: number): number {
  if (progress <= 0 || progress >= 1) return 0;
  return -bob * Math.abs(Math.sin(Math.PI * steps * progress));
}

const EASINGS: Record<MotionEasing, (t: number) => number> = {
  linear: (t) => t,
  ease_in_out: (t) => t * t * (3 - 2 * t),
  ease_out: (t) => 1 - (1 - t) * (1 - t),
};

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
