import { describe, expect, it } from 'vitest';
import { readMp3Frames } from '../../media/mp3-frames.js';
import { decodeWav, resample } from './speech-audio.js';
import { createOfflineSpeechProvider, fliteVoiceOf } from './speech-provider.js';

const speech = createOfflineSpeechProvider({ maxConcurrency: 2 });

describe('offline speech provider', () => {
  it('speaks 24 kHz mono 48 kbps MP3 whose length fits the text', async () => {
    const short = 'Pip found a shiny blue stone.';
    const long = `${short} He ran home to show his mother, and together they put it on the window sill where it glowed every night.`;
    const [a, b] = await Promise.all([
      speech.synthesize({ text: short, voice: 'slt' }),
      speech.synthesize({ text: long, voice: 'onyx' }),
    ]);
    for (const [result, text] of [
      [a, short],
      [b, long],
    ] as const) {
      expect(result.sampleRate).toBe(24_000);
      const frames = readMp3Frames(result.mp3);
      expect(frames.length).toBeGreaterThan(20);
      const first = result.mp3;
      // The brief's check: channel mode bits of the first frame header are 3 (mono).
      expect((first[3]! >> 6) & 3).toBe(3);
      expect(new Set(frames.map((frame) => frame.sampleRate))).toEqual(new Set([24_000]));
      expect(new Set(frames.map((frame) => frame.channels))).toEqual(new Set([1]));
      expect(new Set(frames.map((frame) => frame.bitrateKbps))).toEqual(new Set([48]));
      // Frames cover the reported duration (LAME adds under 0.2 s of padding).
      const framesSec = (frames.length * 576) / 24_000;
      expect(framesSec).toBeGreaterThanOrEqual(result.durationSec);
      expect(framesSec - result.durationSec).toBeLessThan(0.2);
      // Storytelling pace: between 1.2 and 5 words a second.
      const words = text.split(/\s+/).length;
      expect(words / result.durationSec).toBeGreaterThan(1.2);
      expect(words / result.durationSec).toBeLessThan(5);
      expect(result.usage).toMatchObject({ model: 'offline-flite', characters: text.length });
    }
    expect(b.durationSec).toBeGreaterThan(a.durationSec * 2);
  });

  it('slows down with a lower speed', async () => {
    const text = 'The moon rose over the quiet forest.';
    const [normal, slow] = await Promise.all([
      speech.synthesize({ text, voice: 'slt' }),
      speech.synthesize({ text, voice: 'slt', speed: 0.6 }),
    ]);
    expect(slow.durationSec).toBeGreaterThan(normal.durationSec * 1.3);
  });

  it('maps voice ids to Flite voices and rejects unknown ones', async () => {
    expect(fliteVoiceOf('nova')).toBe('slt');
    expect(fliteVoiceOf('Onyx')).toBe('rms');
    expect(fliteVoiceOf('warm_female')).toBe('slt');
    expect(() => fliteVoiceOf('klingon')).toThrow(/not available offline/);
    await expect(speech.synthesize({ text: 'Hello.', voice: 'klingon' })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'voice' },
    });
    await expect(speech.synthesize({ text: '   ', voice: 'slt' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('cancels with the signal', async () => {
    const controller = new AbortController();
    const pending = speech.synthesize(
      { text: 'A long, long story about a sleepy bear.', voice: 'rms' },
      { signal: controller.signal },
    );
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'canceled' });
  });

  it('decodes WAV and resamples 16 to 24 kHz keeping the length', () => {
    const samples = 1600;
    const wav = new Uint8Array(44 + samples * 2);
    const view = new DataView(wav.buffer);
    wav.set(new TextEncoder().encode('RIFF'), 0);
    view.setUint32(4, 36 + samples * 2, true);
    wav.set(new TextEncoder().encode('WAVEfmt '), 8);
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true);
    view.setUint16(22, 1, true);
    view.setUint32(24, 16_000, true);
    view.setUint32(28, 32_000, true);
    view.setUint16(32, 2, true);
    view.setUint16(34, 16, true);
    wav.set(new TextEncoder().encode('data'), 36);
    view.setUint32(40, samples * 2, true);
    for (let index = 0; index < samples; index++) {
      view.setInt16(
        44 + index * 2,
        Math.round(Math.sin((2 * Math.PI * 440 * index) / 16_000) * 16_000),
        true,
      );
    }
    const pcm = decodeWav(wav);
    expect(pcm.sampleRate).toBe(16_000);
    expect(pcm.samples.length).toBe(samples);
    const upsampled = resample(pcm, 24_000);
    expect(upsampled.samples.length).toBe(2400);
    // A 440 Hz sine keeps its peak level.
    expect(Math.max(...upsampled.samples)).toBeGreaterThan(0.45);
    expect(() => decodeWav(new Uint8Array(10))).toThrow(/no WAV/);
  });
});
