import type { AnyToolDefinition } from '@kidsstories/mesh-core';
import { expectMeshError } from '@kidsstories/mesh-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOfResource } from '../../src/media/media-artifact.js';
import { readMp3Frames } from '../../src/media/mp3-frames.js';
import {
  type GenerationParametersInput,
  PARAMETER_TABLE,
  type ParameterName,
} from '../../src/parameters/generation-parameters.js';
import { AUDIO_PARAMETERS } from '../../src/parameters/media-parameters.js';
import type { ParameterSpec } from '../../src/parameters/parameter-spec.js';
import { createCloudProviders } from '../../src/providers/cloud/create-cloud-providers.js';
import { createOfflineImageProvider } from '../../src/providers/offline/image-provider.js';
import { createOfflineSafetyProvider } from '../../src/providers/offline/safety-provider.js';
import { encodeWav } from '../../src/providers/offline/speech-audio.js';
import { createOfflineSpeechProvider } from '../../src/providers/offline/speech-provider.js';
import type { SpeechProvider } from '../../src/providers/provider-types.js';
import { callTool, createTestToolContext } from '../../src/testing/test-tool-context.js';
import { createMediaTools } from '../../src/tools/media/create-media-tools.js';
import { type FakeHttpServer, startFakeHttpServer } from '../cloud/fake-http-server.js';
import { makeMp3 } from '../cloud/media-fixtures.js';
import { alternativeOf, fingerprintOf, type ParameterChange, sha256 } from './parameter-changes.js';

// Every audio production parameter, from the table: adding one without an effect fails this test.
const NAMES = Object.keys(AUDIO_PARAMETERS) as Array<keyof typeof AUDIO_PARAMETERS>;

const BASE: GenerationParametersInput = {};

const CHANGES: Partial<Record<(typeof NAMES)[number], ParameterChange>> = {
  // alloy is an OpenAI voice that Flite speaks with slt, like nova: rms is the other Flite voice.
  voice_id: { value: 'rms' },
  // Louder than the default would clip this voice and be capped: a quieter target shows.
  loudness_target_lufs: { value: -28 },
};

const TEXT = 'Pip the fox found a blue stone by the river.';

let openai: FakeHttpServer;
let cloudSpeech: SpeechProvider;
const offlineSpeech = createOfflineSpeechProvider({ maxConcurrency: 2 });
const image = createOfflineImageProvider();
const safety = createOfflineSafetyProvider();

beforeAll(async () => {
  openai = await startFakeHttpServer();
  const mp3 = await makeMp3(1.5);
  const wav = encodeWav({ samples: new Float32Array(24_000).fill(0.1), sampleRate: 24_000 });
  // The speech endpoint answers in the format asked for.
  openai.handle((request) =>
    request.json().response_format === 'wav'
      ? { headers: { 'content-type': 'audio/wav' }, body: wav }
      : { headers: { 'content-type': 'audio/mpeg' }, body: mp3 },
  );
  const providers = createCloudProviders({
    env: {
      AZURE_OPENAI_ENDPOINT: `${openai.url}/`,
      AZURE_OPENAI_API_KEY: 'test-key',
      AZURE_OPENAI_SPEECH_DEPLOYMENT: 'tts-prod',
    },
  });
  cloudSpeech = providers.speech as SpeechProvider;
});
afterAll(() => openai.close());

async function run(family: 'offline' | 'cloud', parameters: GenerationParametersInput): Promise<string> {
  const harness = createTestToolContext();
  const [, generateAudio] = createMediaTools({
    providers: { image, speech: family === 'offline' ? offlineSpeech : cloudSpeech, safety },
    now: () => 1_000,
  });
  const sentBefore = openai.requests.length;
  try {
    return await fingerprintOf(async () => {
      const result = await callTool<{
        durationSec: number;
        sampleRate: number;
        channels: number;
        format: string;
      }>(generateAudio as AnyToolDefinition, { text: TEXT, parameters }, harness.ctx);
      const narration = (result.content ?? []).map(bytesOfResource).find((bytes) => bytes !== undefined);
      const sent = openai.requests.slice(sentBefore).map((request) => `${request.path} ${request.body}`);
      return JSON.stringify({ ...result.structuredContent, narration: narration && sha256(narration), sent });
    });
  } finally {
    await harness.close();
  }
}

describe('audio production parameters: each one changes the narration or the request', () => {
  it('covers every audio parameter, each applied offline, in the cloud or both', () => {
    expect(NAMES).toHaveLength(11);
    for (const name of NAMES) {
      const applied = (PARAMETER_TABLE[name as ParameterName] as ParameterSpec).applied;
      expect(applied?.offline ?? applied?.cloud, name).toBeTruthy();
    }
  });

  it('is deterministic for the same parameters (so a difference is the parameter)', async () => {
    for (const family of ['offline', 'cloud'] as const) {
      expect(await run(family, BASE)).toBe(await run(family, BASE));
    }
  });

  for (const name of NAMES) {
    const spec = PARAMETER_TABLE[name as ParameterName] as ParameterSpec;
    const change = CHANGES[name] ?? {};
    const base = { ...BASE, ...change.base };
    const start = (base as Record<string, unknown>)[name] ?? spec.default;
    const value = change.value ?? alternativeOf(spec, start);
    for (const family of ['offline', 'cloud'] as const) {
      if (!spec.applied?.[family]) continue;
      it(`${name} (${family}): ${JSON.stringify(start)} -> ${JSON.stringify(value)}`, async () => {
        const before = await run(family, base);
        const after = await run(family, { ...base, [name]: value });
        expect(after).not.toBe(before);
      });
    }
  }
});

describe('audio parameters: decoded facts', () => {
  it('sample_rate, channels, bitrate_kbps and page_pause_ms show in the MP3 frames', async () => {
    const harness = createTestToolContext();
    const [, generateAudio] = createMediaTools({ providers: { image, speech: offlineSpeech, safety } });
    const narrate = async (parameters: GenerationParametersInput) => {
      const result = await callTool<{ durationSec: number; sampleRate: number; channels: number }>(
        generateAudio as AnyToolDefinition,
        { text: TEXT, parameters },
        harness.ctx,
      );
      const bytes = (result.content ?? [])
        .map(bytesOfResource)
        .find((entry) => entry !== undefined) as Uint8Array;
      return { output: result.structuredContent!, frames: readMp3Frames(bytes) };
    };
    const plain = await narrate({ page_pause_ms: 0 });
    expect(plain.frames[0]).toMatchObject({ sampleRate: 24_000, channels: 1, bitrateKbps: 48 });
    const changed = await narrate({
      page_pause_ms: 2000,
      sample_rate: 44_100,
      channels: 2,
      bitrate_kbps: 128,
    });
    expect(changed.frames[0]).toMatchObject({ sampleRate: 44_100, channels: 2, bitrateKbps: 128 });
    expect(changed.output).toMatchObject({ sampleRate: 44_100, channels: 2 });
    expect(changed.output.durationSec - plain.output.durationSec).toBeCloseTo(2, 1);
    await harness.close();
  });

  it('audio_format wav is a RIFF file; opus fails offline with a clear error', async () => {
    const harness = createTestToolContext();
    const [, generateAudio] = createMediaTools({ providers: { image, speech: offlineSpeech, safety } });
    const wav = await callTool<{ mimeType: string }>(
      generateAudio as AnyToolDefinition,
      { text: TEXT, parameters: { audio_format: 'wav', sample_rate: 16_000 } },
      harness.ctx,
    );
    const bytes = (wav.content ?? []).map(bytesOfResource).find((entry) => entry !== undefined) as Uint8Array;
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('RIFF');
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(24, true)).toBe(16_000);
    expect(wav.structuredContent?.mimeType).toBe('audio/wav');
    const error = await expectMeshError(
      callTool(
        generateAudio as AnyToolDefinition,
        { text: TEXT, parameters: { audio_format: 'opus' } },
        harness.ctx,
      ),
      'invalid_argument',
    );
    expect(error.message).toMatch(/opus cannot be encoded offline/);
    expect(error.details.field).toBe('audio_format');
    await harness.close();
  });
});
