import { MeshError } from '@kidsstories/mesh-core';
import {
  ALL_FORMATS,
  BufferSource,
  BufferTarget,
  EncodedAudioPacketSource,
  EncodedPacketSink,
  EncodedVideoPacketSource,
  Input,
  Mp4OutputFormat,
  Output,
} from 'mediabunny';

/**
 * Muxing of the offline clips with `mediabunny` (pure TypeScript, no WebCodecs needed to copy packets): the
 * H.264 track the WASM encoder wrote and the page's MP3 narration go into one MP4, packets copied as they are.
 */

/**
 * The duration of an MP3 narration, in seconds, read from its frames.
 *
 * @throws MeshError `invalid_argument` (field `audio`) when it is not an MP3 with an audio track.
 */
export async function narrationDurationSec(mp3: Uint8Array): Promise<number> {
  const input = new Input({ formats: ALL_FORMATS, source: new BufferSource(mp3) });
  try {
    const track = await input.getPrimaryAudioTrack();
    if (track?.codec !== 'mp3') throw new Error('no MP3 audio track');
    return await track.computeDuration();
  } catch (error) {
    throw new MeshError(`audio must be an MP3 narration: ${(error as Error).message}`, 'invalid_argument', {
      cause: error,
      details: { field: 'audio' },
    });
  } finally {
    input.dispose();
  }
}

/**
 * One MP4 with the video track of `mp4` and the MP3 `narration` as its audio track, its creation and
 * modification times zeroed so the same clip gives the same bytes.
 *
 * @throws MeshError `internal` when the encoder's MP4 has no video track; `invalid_argument` (field `audio`)
 *   when the narration is not an MP3.
 * @example
 * ```ts
 * const clip = await muxNarration(silentMp4, narrationMp3);
 * ```
 */
export async function muxNarration(mp4: Uint8Array, narration: Uint8Array): Promise<Uint8Array> {
  const video = new Input({ formats: ALL_FORMATS, source: new BufferSource(mp4) });
  const audio = new Input({ formats: ALL_FORMATS, source: new BufferSource(narration) });
  try {
    const videoTrack = await video.getPrimaryVideoTrack();
    if (!videoTrack) throw new MeshError('the encoded clip has no video track', 'internal');
    const audioTrack = await audio.getPrimaryAudioTrack().catch(() => null);
    if (audioTrack?.codec !== 'mp3') {
      throw new MeshError('audio must be an MP3 narration', 'invalid_argument', {
        details: { field: 'audio' },
      });
    }
    const output = new Output({
      format: new Mp4OutputFormat({ fastStart: 'in-memory' }),
      target: new BufferTarget(),
    });
    const videoSource = new EncodedVideoPacketSource('avc');
    const audioSource = new EncodedAudioPacketSource('mp3');
    output.addVideoTrack(videoSource);
    output.addAudioTrack(audioSource);
    await output.start();
    const videoConfig = await videoTrack.getDecoderConfig();
    const audioConfig = await audioTrack.getDecoderConfig();
    let first = true;
    for await (const packet of new EncodedPacketSink(videoTrack).packets()) {
      await videoSource.add(packet, first && videoConfig ? { decoderConfig: videoConfig } : undefined);
      first = false;
    }
    first = true;
    for await (const packet of new EncodedPacketSink(audioTrack).packets()) {
      await audioSource.add(packet, first && audioConfig ? { decoderConfig: audioConfig } : undefined);
      first = false;
    }
    await output.finalize();
    const buffer = output.target.buffer;
    if (!buffer) throw new MeshError('muxing produced no MP4', 'internal');
    return zeroMp4Times(new Uint8Array(buffer));
  } finally {
    video.dispose();
    audio.dispose();
  }
}

const TIMED_BOXES = new Set(['mvhd', 'tkhd', 'mdhd']);
const CONTAINERS = new Set(['moov', 'trak', 'mdia']);

/**
 * Zeroes the creation and modification times of the `mvhd`, `tkhd` and `mdhd` boxes (ISO/IEC 14496-12 8.2.2,
 * 8.3.2, 8.4.2), which muxers set from the clock, in place.
 */
export function zeroMp4Times(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const walk = (start: number, end: number) => {
    for (let offset = start; offset + 8 <= end; ) {
      const size = view.getUint32(offset);
      const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
      if (size < 8 || offset + size > end) return;
      if (CONTAINERS.has(type)) walk(offset + 8, offset + size);
      if (TIMED_BOXES.has(type)) {
        // Full box: version (1 byte) and flags (3), then two 32-bit times (version 0) or two 64-bit ones.
        const version = bytes[offset + 8];
        bytes.fill(0, offset + 12, offset + 12 + (version === 1 ? 16 : 8));
      }
      offset += size;
    }
  };
  walk(0, bytes.length);
  return bytes;
}
