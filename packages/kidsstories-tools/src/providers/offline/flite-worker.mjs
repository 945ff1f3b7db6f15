// Worker thread of the offline speech provider: runs one Flite (WASI) synthesis and posts the 16 kHz WAV back.
// One worker per synthesis on purpose: instantiating the Flite WASI module repeatedly in one thread segfaulted
// Node 20 after 3-4 utterances (see ../../../../../shared/notes/offline-stack.md), so each instance gets a fresh
// thread that exits when done. Plain .mjs so it loads from src (tests) and from dist (copied by tsup).
//
// workerData: { module: WebAssembly.Module, text: string, voice: string, durationStretch: number,
//              f0MeanHz?: number, f0SpreadHz?: number }
// message:    { ok: true, wav: Uint8Array } | { ok: false, message: string }
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { parentPort, workerData } from 'node:worker_threads';

const { module, text, voice, durationStretch, f0MeanHz, f0SpreadHz } = workerData;
const pitch = [];
if (f0MeanHz !== undefined) pitch.push('--setf', `int_f0_target_mean=${f0MeanHz}`);
if (f0SpreadHz !== undefined) pitch.push('--setf', `int_f0_target_stddev=${f0SpreadHz}`);
const directory = await mkdtemp(join(tmpdir(), 'kidsstories-flite-'));
try {
  const wasi = new WASI({
    version: 'preview1',
    // Flite reads its arguments like its CLI: voice, feature overrides (speed, pitch), the text, the output file.
    args: [
      'flite',
      '-voice',
      voice,
      '--setf',
      `duration_stretch=${durationStretch}`,
      ...pitch,
      ` ${text} `,
      'out.wav',
    ],
    env: {},
    preopens: { '.': directory },
    returnOnExit: true,
  });
  const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
  const exitCode = wasi.start(instance);
  if (exitCode !== 0) throw new Error(`flite exited with code ${exitCode}`);
  const wav = new Uint8Array(await readFile(join(directory, 'out.wav')));
  parentPort.postMessage({ ok: true, bytes: wav }, [wav.buffer]);
} catch (error) {
  parentPort.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
} finally {
  await rm(directory, { recursive: true, force: true });
}
