import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runPool } from './run-pool.js';

/** Files rewritten at once. */
const STRIP_CONCURRENCY = 8;

/** The site's only script, from `site/public/`; added to the pages that have a "Read to me" control. */
export const READ_TO_ME_SCRIPT = '/read-to-me.js';

const SCRIPT_TAG = /<script\b[^>]*>[\s\S]*?<\/script>/g;
const SCRIPT_PRELOAD = /<link\b[^>]*\bas="script"[^>]*\/?>/g;
/** Files of Next's client runtime and of its client-side navigation (RSC payloads). */
const RUNTIME_FILE = /(^_next\/static\/.*\.js$)|((^|\/)(index|__next\.[^/]*)\.txt$)/;

/**
 * Turns Next's static export into pages without Next's client runtime: removes every `<script>` and script
 * preload from the HTML, deletes the runtime's chunks and the client-navigation payloads, and gives the pages with
 * a "Read to me" control the site's one small script. Every page is complete server-rendered HTML, so nothing else
 * needs the runtime; this keeps a story page far below the 50 KB budget and lets the Content-Security-Policy
 * forbid inline scripts. See docs/decisions/0007-story-site-no-runtime.md.
 */
export async function stripRuntime(outDir: string): Promise<void> {
  const files = (await readdir(outDir, { recursive: true })).map((file) =>
    String(file).replaceAll('\\', '/'),
  );
  await runPool(files, STRIP_CONCURRENCY, async (file) => {
    if (RUNTIME_FILE.test(file)) {
      await rm(join(outDir, file));
      return;
    }
    if (!file.endsWith('.html')) return;
    const html = await readFile(join(outDir, file), 'utf8');
    let stripped = html.replace(SCRIPT_TAG, '').replace(SCRIPT_PRELOAD, '');
    if (stripped.includes('class="read-to-me"')) {
      stripped = stripped.replace('</head>', `<script src="${READ_TO_ME_SCRIPT}" defer></script></head>`);
    }
    await writeFile(join(outDir, file), stripped);
  });
}
