import { join } from 'node:path';
import { AGE_BANDS, type BundleAsset } from '@kidsstories/kidsstories-tools/bundle';
import type { SiteData, SitePage } from '../site/lib/site-data.js';
import type { VerifiedBundle } from './find-bundles.js';

/** One media file to copy into the site: from the bundle to `media/{sha256}.{ext}`. */
export interface MediaCopy {
  /** Absolute path in the bundle. */
  from: string;
  /** Path inside the site output, e.g. `media/ab12….png`. */
  to: string;
}

/** The data the Next app renders and the media files it links. */
export interface SiteModel {
  data: SiteData;
  media: MediaCopy[];
}

/** Folder of the site's media; its files are named by SHA-256 and may be cached for a year. */
export const MEDIA_DIR = 'media';

/**
 * Turns verified bundles (newest first) into the site's data. Media URLs carry the file's SHA-256
 * (`/media/{sha256}.{ext}`), so a file that changes gets a new URL and the same file in two bundles is stored once.
 */
export function buildSiteModel(bundles: readonly VerifiedBundle[]): SiteModel {
  const media = new Map<string, MediaCopy>();
  const urlOf = (bundle: VerifiedBundle, path: string): string => {
    const asset = bundle.manifest.assets.find((candidate: BundleAsset) => candidate.path === path);
    // verifyBundle has checked that every page's files are listed assets.
    if (!asset) throw new Error(`${bundle.dir}: ${path} is not a listed asset`);
    const to = `${MEDIA_DIR}/${asset.sha256}${path.slice(path.lastIndexOf('.'))}`;
    if (!media.has(to)) media.set(to, { from: join(bundle.dir, path), to });
    return `/${to}`;
  };
  const stories = bundles.map((bundle) => {
    const { manifest } = bundle;
    const pages = manifest.pages.map(
      (page): SitePage => ({
        number: page.number,
        text: page.text,
        picture: {
          url: urlOf(bundle, page.picture.path),
          width: page.picture.width,
          height: page.picture.height,
          alt: page.picture.alt,
        },
        narration: { url: urlOf(bundle, page.narration.path), durationSec: page.narration.durationSec },
        ...(page.clip
          ? { clip: { url: urlOf(bundle, page.clip.path), durationSec: page.clip.durationSec } }
          : {}),
      }),
    );
    return {
      date: manifest.date,
      ageBand: manifest.ageBand,
      title: manifest.title,
      moral: manifest.moral,
      pages,
    };
  });
  const dates = [...new Set(stories.map((story) => story.date))];
  return {
    data: { dates, ageBands: [...AGE_BANDS], stories },
    media: [...media.values()].sort((a, b) => a.to.localeCompare(b.to)),
  };
}
