import { MeshError } from '@kidsstories/mesh-core';

/** What {@link mp4InfoOf} reads from an MP4 file. */
export interface Mp4Info {
  /** Duration of the first video track, in seconds. */
  durationSec: number;
  /** Number of samples (frames) in the first video track. */
  frameCount: number;
  /** Sample entry type of the video track (`avc1`, `hvc1`…). */
  codec: string;
}

interface Box {
  type: string;
  start: number;
  end: number;
}

/**
 * Reads the first video track of an MP4 (ISO/IEC 14496-12): duration from its `mdhd`, frame count from its
 * `stsz`, codec from its `stsd`. Enough to report the seconds of a generated clip without a media library.
 *
 * @throws MeshError `internal` when the file has no readable video track: the provider did not return an MP4.
 */
export function mp4InfoOf(mp4: Uint8Array, provider = 'provider'): Mp4Info {
  const view = new DataView(mp4.buffer, mp4.byteOffset, mp4.byteLength);
  const fail = (): never => {
    throw new MeshError(`${provider}: the video is not an MP4 with a video track`, 'internal', {
      details: { provider },
    });
  };
  const moov = childrenOf(view, 0, mp4.length).find((box) => box.type === 'moov') ?? fail();
  for (const trak of childrenOf(view, moov.start, moov.end).filter((box) => box.type === 'trak')) {
    const mdia = childrenOf(view, trak.start, trak.end).find((box) => box.type === 'mdia');
    if (!mdia) continue;
    const mdiaChildren = childrenOf(view, mdia.start, mdia.end);
    const hdlr = mdiaChildren.find((box) => box.type === 'hdlr');
    if (!hdlr || typeAt(view, hdlr.start + 8) !== 'vide') continue;
    const mdhd = mdiaChildren.find((box) => box.type === 'mdhd') ?? fail();
    const version = view.getUint8(mdhd.start);
    const timescale = view.getUint32(mdhd.start + (version === 1 ? 20 : 12));
    const duration =
      version === 1 ? Number(view.getBigUint64(mdhd.start + 24)) : view.getUint32(mdhd.start + 16);
    const minf = mdiaChildren.find((box) => box.type === 'minf') ?? fail();
    const stbl = childrenOf(view, minf.start, minf.end).find((box) => box.type === 'stbl') ?? fail();
    const stblChildren = childrenOf(view, stbl.start, stbl.end);
    const stsz = stblChildren.find((box) => box.type === 'stsz') ?? fail();
    const stsd = stblChildren.find((box) => box.type === 'stsd');
    if (timescale === 0) fail();
    return {
      durationSec: duration / timescale,
      frameCount: view.getUint32(stsz.start + 8),
      codec: stsd && stsd.end - stsd.start >= 16 ? typeAt(view, stsd.start + 12) : 'unknown',
    };
  }
  return fail();
}

/** The boxes directly inside `[start, end)`; `start`/`end` of each box delimit its payload. */
function childrenOf(view: DataView, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    let size = view.getUint32(offset);
    const type = typeAt(view, offset + 4);
    let header = 8;
    if (size === 1) {
      if (offset + 16 > end) break;
      size = Number(view.getBigUint64(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < header || offset + size > end) break;
    boxes.push({ type, start: offset + header, end: offset + size });
    offset += size;
  }
  return boxes;
}

function typeAt(view: DataView, offset: number): string {
  if (offset + 4 > view.byteLength) return '';
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}
