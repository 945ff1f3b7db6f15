import { describe, expect, it } from 'vitest';
import { inspectMp4 } from '../../media/mp4-inspect.js';
import { TEST_CHARACTERS } from '../../media/test-tool-context.js';
import { createOfflineImageProvider } from './image-provider.js';
import { cameraMotionOf, planCameraPath } from './video-motion.js';
import { createOfflineVideoProvider } from './video-provider.js';

const video = createOfflineVideoProvider({ maxConcurrency: 2 });

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
  it('animates a page into H.264 MP4 clips of 5 to 10 s with the right frame count', async () => {
    const png = await pagePicture(1);
    const [five, ten] = await Promise.all([
      video.animate({ png, motion: 'zoom_in', durationSec: 5, model: 'vidu:1@5' }, { seed: 1 }),
      video.animate(
        { png, motion: 'slow pan left', durationSec: 10, model: 'vidu:1@5', width: 256, height: 256 },
        { seed: 2 },
      ),
    ]);
    const facts = await inspectMp4(five.mp4);
    expect(facts.codec).toMatch(/^avc1\./);
    expect(facts.durationSec).toBeCloseTo(5, 1);
    expect(facts.frameCount).toBe(120);
    expect([facts.width, facts.height]).toEqual([512, 512]);
    expect(five).toMatchObject({
      durationSec: 5,
      frameCount: 120,
      model: 'vidu:1@5',
      usage: { model: 'offline-panzoom', seconds: 5 },
    });
    const longFacts = await inspectMp4(ten.mp4);
    expect(longFacts.codec).toMatch(/^avc1\./);
    expect(longFacts.durationSec).toBeGreaterThanOrEqual(9.9);
    expect(longFacts.durationSec).toBeLessThanOrEqual(10.1);
    expect(longFacts.frameCount).toBe(240);
    expect([longFacts.width, longFacts.height]).toEqual([256, 256]);
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
    expect(cameraMotionOf('parallax')).toBe('ken_burns');
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
    const zoom = planCameraPath({
      motion: 'zoom_in',
      frameCount: 10,
      sourceWidth: 1000,
      sourceHeight: 1000,
      outputAspect: 1,
      seed: 1,
    });
    expect(zoom[2]).toBeCloseTo(1000);
    expect(zoom[zoom.length - 2]).toBeCloseTo(1000 / 1.3);
  });
});
