import { createProviders, type KidsStoriesProviders } from '@kidsstories/kidsstories-tools';
import { MeshError } from '@kidsstories/mesh-core';

/** A provider call: which provider, and when it started or finished. */
export type ProviderCall = 'story' | 'image' | 'speech' | 'video';

/** Options for {@link countingProviders}. */
export interface CountingProvidersOptions {
  /** Called as a call starts (before the offline provider runs). */
  onStart?: (call: ProviderCall) => void;
  /** Called once a call has produced its result (an asset generated). */
  onFinish?: (call: ProviderCall) => void;
}

/**
 * The offline providers, counting the calls that finished (assets generated) per provider. Set `failures[call]` to
 * make that many next calls fail (a provider's `invalid_argument`, not retried by the mesh).
 */
export function countingProviders(options: CountingProvidersOptions = {}) {
  const offline = createProviders();
  const calls: Record<ProviderCall, number> = { story: 0, image: 0, speech: 0, video: 0 };
  const failures: Record<ProviderCall, number> = { story: 0, image: 0, speech: 0, video: 0 };
  const counted = async <T>(call: ProviderCall, make: () => Promise<T>): Promise<T> => {
    options.onStart?.(call);
    if (failures[call] > 0) {
      failures[call]--;
      throw new MeshError(`${call} provider: invalid request (injected)`, 'invalid_argument');
    }
    const result = await make();
    calls[call]++;
    options.onFinish?.(call);
    return result;
  };
  const providers: KidsStoriesProviders = {
    ...offline,
    story: {
      ...offline.story,
      generateStory: (request, callOptions) =>
        counted('story', () => offline.story.generateStory(request, callOptions)),
    },
    image: {
      ...offline.image,
      generateImage: (request, callOptions) =>
        counted('image', () => offline.image.generateImage(request, callOptions)),
    },
    speech: {
      ...offline.speech,
      synthesize: (request, callOptions) =>
        counted('speech', () => offline.speech.synthesize(request, callOptions)),
    },
    video: {
      ...offline.video,
      animate: (request, callOptions) => counted('video', () => offline.video.animate(request, callOptions)),
    },
  };
  return { providers, calls, failures };
}
