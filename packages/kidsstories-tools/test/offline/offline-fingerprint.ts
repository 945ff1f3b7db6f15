import { createHash } from 'node:crypto';
import { resolveParameters } from '../../src/parameters/generation-parameters.js';
import { createOfflineImageProvider } from '../../src/providers/offline/image-provider.js';
import { createOfflineSpeechProvider } from '../../src/providers/offline/speech-provider.js';
import { generateTemplateStory } from '../../src/providers/offline/story-generator.js';
import { createOfflineVideoProvider } from '../../src/providers/offline/video-provider.js';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * Fingerprints of one offline story and its media for a seed: the story, the first page's picture, its
 * narration and a small narrated clip. Run in two processes, they must be equal (issue 13).
 */
export async function offlineFingerprint(seed: number): Promise<Record<string, string>> {
  const story = generateTemplateStory(
    resolveParameters({ page_count: 6 }),
    seed,
    () => new Date('2026-12-06T12:00:00Z'),
  );
  const page = story.pages[0];
  if (!page) throw new Error('no page');
  const looks = story.characters.filter((character) => page.charactersPresent.includes(character.name));
  const image = await createOfflineImageProvider().generateImage(
    { prompt: page.text, sceneDescription: page.sceneDescription, characters: looks, size: '512x512' },
    { seed },
  );
  const speech = await createOfflineSpeechProvider({ maxConcurrency: 1 }).synthesize({
    text: page.text.split('. ')[0] ?? page.text,
    voice: 'slt',
  });
  const clip = await createOfflineVideoProvider({ maxConcurrency: 1 }).animate(
    {
      png: image.png,
      motion: 'ken_burns',
      durationSec: 5,
      model: 'offline',
      audio: speech.mp3,
      width: 128,
      height: 128,
    },
    { seed },
  );
  return {
    story: sha(JSON.stringify(story)),
    image: sha(image.png),
    narration: sha(speech.mp3),
    clip: sha(clip.mp4),
  };
}
