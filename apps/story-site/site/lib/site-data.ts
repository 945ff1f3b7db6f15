import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the Next app renders: `site-data.json`, written by `buildSite` into the build's working folder from the
 * verified bundles. Media URLs are content-addressed (`/media/{sha256}.{ext}`), so a CDN may cache them for a year.
 */
export interface SiteData {
  /** Every day with at least one story, newest first. */
  dates: string[];
  /** The age bands, youngest first. */
  ageBands: string[];
  /** Every story, newest day first, then youngest band first. */
  stories: SiteStory[];
}

/** One story as the site shows it. */
export interface SiteStory {
  date: string;
  ageBand: string;
  title: string;
  moral: string;
  pages: SitePage[];
}

/** One page of a story. */
export interface SitePage {
  number: number;
  text: string;
  picture: { url: string; width: number; height: number; alt: string };
  narration: { url: string; durationSec: number };
  clip?: { url: string; durationSec: number };
}

/** The file `buildSite` writes beside the app; read at build time only. */
export const SITE_DATA_FILE = 'site-data.json';

let cached: SiteData | undefined;

/** The site's data, read once from `site-data.json` in the build's working folder. */
export function siteData(): SiteData {
  cached ??= JSON.parse(readFileSync(join(process.cwd(), SITE_DATA_FILE), 'utf8')) as SiteData;
  return cached;
}

/** The site path of a story page (trailing slash, as the export writes it). */
export function storyHref(story: Pick<SiteStory, 'date' | 'ageBand'>): string {
  return `/stories/${story.date}/${story.ageBand}/`;
}

/** The site path of an age band's list. */
export function bandHref(ageBand: string): string {
  return `/bands/${ageBand}/`;
}

/** `Ages 6-8`. */
export function bandLabel(ageBand: string): string {
  return `Ages ${ageBand}`;
}

/** `Sunday 6 December 2026` (UTC, English). */
export function dateLabel(date: string): string {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** The stories of one day, youngest band first. */
export function storiesOn(date: string): SiteStory[] {
  return siteData().stories.filter((story) => story.date === date);
}

/** The story of one day and band. */
export function findStory(date: string, ageBand: string): SiteStory | undefined {
  return siteData().stories.find((story) => story.date === date && story.ageBand === ageBand);
}

/** The same band's stories on the day before and the day after, when there are any. */
export function neighbours(story: SiteStory): { older?: SiteStory; newer?: SiteStory } {
  const band = siteData().stories.filter((other) => other.ageBand === story.ageBand);
  const index = band.findIndex((other) => other.date === story.date);
  const newer = index > 0 ? band[index - 1] : undefined;
  const older = band[index + 1];
  return { ...(older ? { older } : {}), ...(newer ? { newer } : {}) };
}
