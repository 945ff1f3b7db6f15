/**
 * Writes docs/reference/story-manifest.schema.json (at the repository root) from the zod manifest schema.
 *
 * Run: `npm run generate:bundle-schema -w @kidsstories/kidsstories-tools`
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderManifestJsonSchema } from '../src/bundle/bundle-manifest.js';

const target = fileURLToPath(new URL('../../../docs/reference/story-manifest.schema.json', import.meta.url));
await writeFile(target, renderManifestJsonSchema());
process.stdout.write(`wrote ${target}\n`);
