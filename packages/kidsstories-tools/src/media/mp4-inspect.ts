// Test support: parses an MP4 with mp4box (a devDependency without types) and returns its video and audio
// track facts (what ffprobe would report).
import { createRequire } from 'node:module';

/** What a test checks of an MP4. */
export interface Mp4Facts {
  /** Codec string of the first video track (`avc1.…`). */
  codec: string;
  durationSec: number;
  frameCount: number;
  width: number;
  height: number;
  /** The first audio track, when there is one. */
  audio?: { codec: string; durationSec: number; sampleRate: number; channelCount: number };
  /** Number of tracks of each kind. */
  tracks: { video: number; audio: number };
}

interface Mp4BoxFile {
  onReady: (info: {
    duration: number;
    timescale: number;
    videoTracks: Array<{
      codec: string;
      nb_samples: number;
      duration: number;
      timescale: number;
      video: { width: number; height: number };
    }>;
    audioTracks: Array<{
      codec: string;
      duration: number;
      timescale: number;
      audio: { sample_rate: number; channel_count: number };
    }>;
  }) => void;
  onError: (error: string) => void;
  appendBuffer(buffer: ArrayBuffer & { fileStart?: number }): number;
  flush(): void;
}

/** Parses `mp4` and returns its first video (and audio) track's facts; rejects when it is not a playable MP4. */
export function inspectMp4(mp4: Uint8Array): Promise<Mp4Facts> {
  const { createFile } = createRequire(import.meta.url)('mp4box') as { createFile(): Mp4BoxFile };
  return new Promise((resolve, reject) => {
    const file = createFile();
    file.onError = (error) => reject(new Error(error));
    file.onReady = (info) => {
      const track = info.videoTracks[0];
      if (!track) {
        reject(new Error('no video track'));
        return;
      }
      const audio = info.audioTracks[0];
      resolve({
        codec: track.codec,
        durationSec: track.duration / track.timescale,
        frameCount: track.nb_samples,
        width: track.video.width,
        height: track.video.height,
        tracks: { video: info.videoTracks.length, audio: info.audioTracks.length },
        ...(audio
          ? {
              audio: {
                codec: audio.codec,
                durationSec: audio.duration / audio.timescale,
                sampleRate: audio.audio.sample_rate,
                channelCount: audio.audio.channel_count,
              },
            }
          : {}),
      });
    };
    const buffer = mp4.slice().buffer as ArrayBuffer & { fileStart?: number };
    buffer.fileStart = 0;
    file.appendBuffer(buffer);
    file.flush();
    setTimeout(() => reject(new Error('mp4box found no moov box')), 2000).unref();
  });
}
