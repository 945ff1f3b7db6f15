import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  defaultImageParameters,
  defaultVideoParameters,
  imageParametersOf,
} from '../../media/media-parameters-of.js';
import { decodeMp4Frames } from '../../media/mp4-frames.js';
import { inspectMp4 } from '../../media/mp4-inspect.js';
import { resolveParameters } from '../../parameters/generation-parameters.js';
import { TEST_CHARACTERS } from '../../testing/test-tool-context.js';
import { createOfflineImageProvider } from './image-provider.js';
import { readSceneRecipe } from './scene-recipe.js';
import { createOfflineSpeechProvider } from './speech-provider.js';
import { cameraMotionOf, planCameraPath } from './video-motion.js';
import { createOfflineVideoProvider, type OfflineRenderPlan } from './video-provider.js';

const video = createOfflineVideoProvider({ maxConcurrency: 2 });
const speech = createOfflineSpeechProvider({ maxConcurrency: 1 });

async function pagePicture(seed: number): Promise<Uint8Array> {
  const looks = TEST_CHARACTERS.map(({ traits: _traits, ...look }) => look);
  const { png } = await createOfflineImageProvider().generateImage(
    {
      prompt: 'The friends look at the sea.',
      sceneDescription: 'a beach',
      characters: looks,
      size: '1024x1024',
    },
    { seed },
  );
  return png;
}

describe('offline video provider', () => {
  it('animates a page at the picture resolution, carrying its narration as the audio track', async () => {
    const png = await pagePicture(1);
    const { mp3, durationSec: narrationSec } = await speech.synthesize({
      text: 'Pip looked at the sea and smiled.',
      voice: 'slt',
    });
    const request = {
      png,
      motion: 'zoom_in',
      durationSec: 5,
      model: 'vidu:1@5',
      audio: mp3,
      focus: { x: 0.8, y: 0.5 },
    };
    const [clip, again] = await Promise.all([
      video.animate(request, { seed: 1 }),
      video.animate(request, { seed: 1 }),
    ]);
    // ffprobe-level facts, read with the project's own MP4 reader.
    const facts = await inspectMp4(clip.mp4);
    expect(facts.tracks).toEqual({ video: 1, audio: 1 });
    expect(facts.codec).toMatch(/^avc1\./);
    expect([facts.width, facts.height]).toEqual([1024, 1024]);
    expect(facts.audio?.codec).toMatch(/^(mp4a\.6b|mp4a\.69|mp3)$/i);
    expect(Math.abs(facts.durationSec - narrationSec)).toBeLessThan(0.5);
    expect(Math.abs((facts.audio?.durationSec ?? 0) - narrationSec)).toBeLessThan(0.5);
    // A local encoder: its own model, never the catalogue model asked for.
    expect(clip).toMatchObject({ model: 'offline-panzoom', usage: { model: 'offline-panzoom' } });
    expect(Math.abs((clip.audioDurationSec ?? 0) - narrationSec)).toBeLessThan(0.1);
    expect(Buffer.from(clip.mp4).equals(Buffer.from(again.mp4))).toBe(true);
    expect(video.localModel).toBe('offline-panzoom');
    // Two 1024 px narrated clips: well over the default timeout on a loaded two-core machine.
  }, 120_000);

  it('walks the characters of the page in, ending on the page picture', async () => {
    const looks = TEST_CHARACTERS.slice(0, 2).map(({ traits: _traits, ...look }) => look);
    const text = 'Pip ran to the lighthouse, and Mia followed.';
    const { png } = await createOfflineImageProvider().generateImage(
      {
        prompt: text,
        sceneDescription: 'A beach. Objects: lighthouse.',
        characters: looks,
        size: '1024x1024',
      },
      { seed: 4 },
    );
    const { mp3, durationSec: narrationSec } = await speech.synthesize({ text, voice: 'slt' });
    const plans: OfflineRenderPlan[] = [];
    const planned = createOfflineVideoProvider({
      maxConcurrency: 1,
      onRenderPlan: (plan) => plans.push(plan),
    });
    const clip = await planned.animate(
      { png, motion: 'static', durationSec: 5, model: 'x', audio: mp3 },
      { seed: 1 },
    );
    const facts = await inspectMp4(clip.mp4);
    expect(facts.tracks).toEqual({ video: 1, audio: 1 });
    expect([facts.width, facts.height]).toEqual([1024, 1024]);
    expect(Math.abs(facts.durationSec - narrationSec)).toBeLessThan(0.5);
    // Every character on the page is in the plan, walking in from outside the picture to its place.
    const [plan] = plans;
    expect(plan?.entrance).toBe('enter');
    expect(plan?.characters.map((character) => character.name)).toEqual(['Pip', 'Mia']);
    for (const { boxes } of plan?.characters ?? []) {
      expect(boxes).toHaveLength(clip.frameCount);
      const first = boxes[0]!;
      const last = boxes.at(-1)!;
      expect(first.x + first.width <= 0 || first.x >= 1024).toBe(true);
      const step = Math.sign(last.x - first.x);
      for (let frame = 1; frame < boxes.length; frame++) {
        expect(Math.sign(boxes[frame]!.x - boxes[frame - 1]!.x)).not.toBe(-step);
      }
    }
    // The decoded frames: the characters' places are empty at first and filled at the end, which is the picture.
    const [firstFrame, lastFrame] = await decodeMp4Frames(clip.mp4, [0, clip.frameCount - 1]);
    const picture = PNG.sync.read(Buffer.from(png)).data;
    const difference = (
      a: Uint8Array,
      b: Uint8Array,
      box?: { x: number; y: number; width: number; height: number },
    ) => {
      const area = box ?? { x: 0, y: 0, width: 1024, height: 1024 };
      let sum = 0;
      let count = 0;
      for (let y = Math.max(0, Math.round(area.y)); y < Math.min(1024, area.y + area.height); y += 2) {
        for (let x = Math.max(0, Math.round(area.x)); x < Math.min(1024, area.x + area.width); x += 2) {
          const at = (y * 1024 + x) * 4;
          sum +=
            Math.abs(a[at]! - b[at]!) + Math.abs(a[at + 1]! - b[at + 1]!) + Math.abs(a[at + 2]! - b[at + 2]!);
          count += 3;
        }
      }
      return sum / count;
    };
    expect(difference(lastFrame!.rgba, picture)).toBeLessThan(4);
    for (const { boxes } of plan?.characters ?? []) {
      const place = boxes.at(-1)!;
      expect(difference(firstFrame!.rgba, lastFrame!.rgba, place)).toBeGreaterThan(25);
      expect(difference(lastFrame!.rgba, picture, place)).toBeLessThan(6);
    }
    // A picture without its recipe (or edited since) gets the camera move only.
    const plain = PNG.sync.write(PNG.sync.read(Buffer.from(png)));
    await planned.animate({ png: new Uint8Array(plain), motion: 'static', durationSec: 1, model: 'x' });
    expect(plans[1]?.characters).toEqual([]);
  }, 180_000);

  it('walks the characters in a picture drawn with the parameters, default or not', async () => {
    const looks = TEST_CHARACTERS.slice(0, 2).map(({ traits: _traits, ...look }) => look);
    const text = 'Pip ran to the lighthouse, and Mia followed.';
    const styled = imageParametersOf(
      resolveParameters({
        camera_angle: 'low',
        shot_type: 'close_up',
        palette_saturation: 1,
        palette_warmth: 0.6,
        line_weight: 'bold',
        border_style: 'storybook_frame',
        lighting: 'golden_hour',
      }),
    );
    // As the pipeline passes them: its one parameter set to the image and the video provider, PNG pictures.
    for (const [label, parameters] of [
      ['default', defaultImageParameters()],
      ['styled', styled],
    ] as const) {
      const { png } = await createOfflineImageProvider().generateImage(
        {
          prompt: text,
          sceneDescription: 'A beach at sunset. Objects: lighthouse.',
          characters: looks,
          size: '1024x1024',
          parameters,
        },
        { seed: 4 },
      );
      expect(readSceneRecipe(png)?.parameters, label).toEqual(parameters);
      const plans: OfflineRenderPlan[] = [];
      const planned = createOfflineVideoProvider({
        maxConcurrency: 1,
        onRenderPlan: (plan) => plans.push(plan),
      });
      // The pipeline's video parameters (24 fps, a start hold), at the picture's size so frames compare.
      const clip = await planned.animate(
        {
          png,
          motion: 'static',
          durationSec: 2,
          model: 'x',
          width: 1024,
          height: 1024,
          parameters: defaultVideoParameters(),
        },
        { seed: 1 },
      );
      const [plan] = plans;
      expect(
        plan?.characters.map((character) => character.name),
        label,
      ).toEqual(['Pip', 'Mia']);
      for (const { boxes } of plan?.characters ?? []) {
        const first = boxes[0]!;
        const last = boxes.at(-1)!;
        expect(Math.abs(last.x - first.x), label).toBeGreaterThan(100);
        // start_hold_ms: nobody moves in the first 300 ms.
        expect(boxes[Math.floor(0.3 * 24) - 1]!.x, label).toBe(first.x);
      }
      const [lastFrame] = await decodeMp4Frames(clip.mp4, [clip.frameCount - 1]);
      const picture = PNG.sync.read(Buffer.from(png)).data;
      let sum = 0;
      for (let at = 0; at < picture.length; at += 8) sum += Math.abs(lastFrame!.rgba[at]! - picture[at]!);
      expect(sum / (picture.length / 8), label).toBeLessThan(4);
    }
  }, 240_000);

  it('renders silent clips of a given length and size', async () => {
    const png = await pagePicture(3);
    const ten = await video.animate(
      { png, motion: 'slow pan left', durationSec: 10, model: 'x', width: 256, height: 256 },
      { seed: 2 },
    );
    const facts = await inspectMp4(ten.mp4);
    expect(facts.tracks).toEqual({ video: 1, audio: 0 });
    expect(facts.durationSec).toBeGreaterThanOrEqual(9.9);
    expect(facts.durationSec).toBeLessThanOrEqual(10.1);
    expect(facts.frameCount).toBe(120);
    expect([facts.width, facts.height]).toEqual([256, 256]);
    await expect(
      video.animate({ png, motion: 'zoom_in', durationSec: 5, model: 'x', audio: new Uint8Array(64) }),
    ).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'audio' } });
  });

  it('rejects bad input with invalid_argument naming the field', async () => {
    await expect(
      video.animate({ png: new Uint8Array([1, 2, 3]), motion: 'zoom_in', durationSec: 5, model: 'x' }),
    ).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'png' } });
    const png = await pagePicture(2);
    await expect(
      video.animate({ png, motion: 'zoom_in', durationSec: 11, model: 'x' }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'durationSec' },
    });
    await expect(
      video.animate({ png, motion: 'zoom_in', durationSec: 5, model: 'x', width: 333 }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'width' },
    });
  });

  it('plans camera paths inside the picture', () => {
    expect(cameraMotionOf('zoom_out')).toBe('zoom_out');
    expect(cameraMotionOf('A gentle push in on the fox')).toBe('zoom_in');
    expect(cameraMotionOf('pan to the right')).toBe('pan_right');
    expect(cameraMotionOf('parallax')).toBe('parallax');
    expect(cameraMotionOf('a slow drift')).toBe('ken_burns');
    for (const motion of ['zoom_in', 'pan_left', 'ken_burns'] as const) {
      const rects = planCameraPath({
        motion,
        frameCount: 48,
        sourceWidth: 768,
        sourceHeight: 768,
        outputAspect: 1,
        seed: 5,
      });
      for (let frame = 0; frame < 48; frame++) {
        const [x, y, w, h] = rects.subarray(frame * 4, frame * 4 + 4);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(x! + w!).toBeLessThanOrEqual(768.01);
        expect(y! + h!).toBeLessThanOrEqual(768.01);
      }
    }
    const square = { frameCount: 10, sourceWidth: 1000, sourceHeight: 1000, outputAspect: 1 };
    const zoom = planCameraPath({ ...square, motion: 'zoom_in', seed: 1 });
    expect(zoom[2]).toBeCloseTo(1000);
    expect(zoom[zoom.length - 2]).toBeCloseTo(1000 / 1.3);
    // Toward the page's named object: the last frame is centred on the focus (as far as the picture allows).
    for (const motion of ['zoom_in', 'pan_right', 'ken_burns'] as const) {
      const path = planCameraPath({ ...square, motion, seed: 3, focus: { x: 0.7, y: 0.45 } });
      const [x, y, w, h] = path.subarray(36, 40);
      expect(x! + w! / 2, motion).toBeCloseTo(Math.min(700, 1000 - w! / 2), 0);
      expect(y! + h! / 2, motion).toBeCloseTo(450, 0);
      const [x0, , w0] = path.subarray(0, 4);
      expect(x0! + w0! / 2, motion).toBeLessThan(700);
    }
  });
});
