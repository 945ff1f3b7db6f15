import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  definePrompt,
  defineResourceTemplate,
  MeshError,
  type PromptDefinition,
  type ResourceTemplateDefinition,
} from '@kidsstories/mesh-core';
import * as z from 'zod';
import { bundleDir, isBundleDate } from '../bundle/bundle-manifest.js';
import { readBundle } from '../bundle/read-bundle.js';
import { STORY_THEMES } from '../parameters/story-parameters.js';
import { AGE_BANDS, type AgeBand } from '../story/age-band.js';

/** URI template of a published story's manifest. */
export const STORY_RESOURCE_TEMPLATE = 'kidsstories://stories/{date}/{ageBand}';

/** Options for {@link createStoryResources}. */
export interface StoryResourcesOptions {
  /** Folder the pipeline writes bundles under (`<outDir>/stories/{date}/{ageBand}`). */
  outDir: string;
}

const startsWith = (values: readonly string[], typed: string) =>
  values.filter((value) => value.startsWith(typed));

/** The `{date}` folders under `<outDir>/stories`, newest first; none when the folder does not exist yet. */
async function bundleDates(outDir: string): Promise<string[]> {
  const entries = await readdir(join(outDir, 'stories'), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && isBundleDate(entry.name))
    .map((entry) => entry.name)
    .sort()
    .reverse();
}

/**
 * Published stories as an MCP resource template, `kidsstories://stories/{date}/{ageBand}`: reading one gives the
 * bundle's `story-manifest.json` (title, moral, pages with their text and asset paths, credits), read with
 * `readBundle`; `resources/list` lists every bundle on disk; `completion/complete` suggests the dates that have
 * bundles and the age bands. Serve it where the bundle folder is seen: on a node, or on the gateway itself (which
 * serves it beside its peers' resources).
 *
 * @example
 * ```ts
 * createGateway({ id: 'gateway', ports, peers, resourceTemplates: createStoryResources({ outDir: 'out' }) });
 * ```
 */
export function createStoryResources(options: StoryResourcesOptions): ResourceTemplateDefinition[] {
  const { outDir } = options;
  return [
    defineResourceTemplate({
      uriTemplate: STORY_RESOURCE_TEMPLATE,
      name: 'story',
      title: 'Published story',
      description:
        "A published story's manifest: title, moral, pages (text, picture, narration, clip) and credits.",
      mimeType: 'application/json',
      complete: {
        date: async (typed) => startsWith(await bundleDates(outDir), typed),
        ageBand: (typed) => startsWith(AGE_BANDS, typed),
      },
      list: async () => {
        const listed = [];
        for (const date of await bundleDates(outDir)) {
          for (const ageBand of AGE_BANDS) {
            const bundle = await readBundle(bundleDir(outDir, date, ageBand)).catch(() => undefined);
            if (bundle === undefined) continue;
            listed.push({
              uri: `kidsstories://stories/${date}/${ageBand}`,
              name: `story ${date} ${ageBand}`,
              title: bundle.manifest.title,
            });
          }
        }
        return listed;
      },
      handler: async (uri, { date = '', ageBand = '' }) => {
        if (!isBundleDate(date)) {
          throw new MeshError(`"${date}" in ${uri} is not a date (YYYY-MM-DD)`, 'invalid_argument', {
            details: { field: 'date' },
          });
        }
        if (!(AGE_BANDS as readonly string[]).includes(ageBand)) {
          throw new MeshError(
            `"${ageBand}" in ${uri} is not an age band (${AGE_BANDS.join(', ')})`,
            'invalid_argument',
            {
              details: { field: 'ageBand' },
            },
          );
        }
        const { manifest } = await readBundle(bundleDir(outDir, date, ageBand as AgeBand));
        return { text: JSON.stringify(manifest) };
      },
    }),
  ];
}

/**
 * The story request as an MCP prompt, `story_request`: arguments `ageBand` (required) and `theme`, each completed by
 * `completion/complete`, and an optional `date`; it renders a message asking the model to call `orchestrate` with
 * them (the gateway's tool that runs the daily pipeline).
 */
export const storyRequestPrompt: PromptDefinition<'ageBand' | 'theme' | 'date'> = definePrompt({
  name: 'story_request',
  title: 'Request a story',
  description: 'Ask for a KidsStories story for an age band and a theme.',
  arguments: {
    ageBand: {
      description: `Reader age band: ${AGE_BANDS.join(', ')}`,
      required: true,
      schema: z.enum(AGE_BANDS),
      complete: (typed) => startsWith(AGE_BANDS, typed),
    },
    theme: {
      description: `What the story teaches: ${STORY_THEMES.join(', ')}`,
      schema: z.enum(STORY_THEMES),
      complete: (typed) => startsWith(STORY_THEMES, typed),
    },
    date: {
      description: 'Calendar day of the story, YYYY-MM-DD (UTC). Default: today.',
      schema: z.string().refine(isBundleDate, 'must be a date, YYYY-MM-DD'),
    },
  },
  handler: async ({ ageBand, theme, date }) => {
    const input = {
      ageBand,
      ...(date === undefined ? {} : { date }),
      ...(theme === undefined ? {} : { parameters: { theme } }),
    };
    return {
      description: `A story for ages ${ageBand}${theme ? ` about ${theme}` : ''}`,
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Make today's KidsStories story for readers aged ${ageBand}${theme ? `, teaching ${theme}` : ''}. Call the tool "orchestrate" with ${JSON.stringify(input)}, then show the title, the moral and each page's text.`,
          },
        },
      ],
    };
  },
});
