// Run by offline-determinism.test.ts in a second process: prints the fingerprints of a seed as JSON.
import { offlineFingerprint } from './offline-fingerprint.js';

process.stdout.write(JSON.stringify(await offlineFingerprint(Number(process.argv[2] ?? 0))));
