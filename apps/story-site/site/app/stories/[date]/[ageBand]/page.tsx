import type { Metadata } from 'next';
import { ReadToMe } from '../../../../components/read-to-me';
import { SiteHeader } from '../../../../components/site-header';
import {
  bandLabel,
  dateLabel,
  findStory,
  neighbours,
  type SiteStory,
  siteData,
  storyHref,
} from '../../../../lib/site-data';

type Params = Promise<{ date: string; ageBand: string }>;

export const dynamicParams = false;

/** One page per verified bundle. */
export function generateStaticParams(): { date: string; ageBand: string }[] {
  return siteData().stories.map(({ date, ageBand }) => ({ date, ageBand }));
}

async function storyOf(params: Params): Promise<SiteStory> {
  const { date, ageBand } = await params;
  const story = findStory(date, ageBand);
  // generateStaticParams lists exactly the stories there are, so this names a broken site-data.json.
  if (!story) throw new Error(`site-data.json has no story for ${date} ${ageBand}`);
  return story;
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const story = await storyOf(params);
  return { title: story.title, description: story.moral };
}

/**
 * A story: every page's picture, text and narration (an audio player each), the animated clip where there is one,
 * the moral, "read to me" (with JavaScript) and links to the same band's story on the days around it. Reading
 * (pictures and text) needs no JavaScript.
 */
export default async function StoryPage({ params }: { params: Params }) {
  const story = await storyOf(params);
  const { older, newer } = neighbours(story);
  return (
    <>
      <SiteHeader currentBand={story.ageBand} />
      <main id="content" className="story">
        <h1>{story.title}</h1>
        <p className="date">
          <time dateTime={story.date}>{dateLabel(story.date)}</time> · {bandLabel(story.ageBand)}
        </p>
        <ReadToMe />
        <ol className="pages">
          {story.pages.map((page) => (
            <li key={page.number} id={`page-${page.number}`} className="page">
              <h2 className="page-number">Page {page.number}</h2>
              {/* biome-ignore lint/performance/noImgElement: a static export serves the pictures as they are (images.unoptimized); a plain img with its sizes is what next/image would render, without the inline style. */}
              <img
                src={page.picture.url}
                alt={page.picture.alt}
                width={page.picture.width}
                height={page.picture.height}
                loading={page.number === 1 ? 'eager' : 'lazy'}
                decoding="async"
              />
              {page.clip ? (
                <video
                  controls
                  muted
                  playsInline
                  preload="none"
                  poster={page.picture.url}
                  width={page.picture.width}
                  height={page.picture.height}
                  src={page.clip.url}
                  aria-label={`Animated picture of page ${page.number}`}
                />
              ) : null}
              <p className="text">{page.text}</p>
              {/* biome-ignore lint/a11y/useMediaCaption: the page's text above is the narration's transcript. */}
              <audio
                controls
                preload="metadata"
                src={page.narration.url}
                data-duration-sec={page.narration.durationSec}
                aria-label={`Narration of page ${page.number}`}
              />
            </li>
          ))}
        </ol>
        <section className="moral" aria-labelledby="moral">
          <h2 id="moral">The moral</h2>
          <p>{story.moral}</p>
        </section>
        <nav className="days" aria-label="Other days">
          {older ? (
            <a rel="prev" href={storyHref(older)}>
              ← {dateLabel(older.date)}
            </a>
          ) : null}
          {newer ? (
            <a rel="next" href={storyHref(newer)}>
              {dateLabel(newer.date)} →
            </a>
          ) : null}
        </nav>
      </main>
    </>
  );
}
