import { bandLabel, type SiteStory, storyHref } from '../lib/site-data';

/** A link to one story with its first picture; `eager` for the cards above the fold. */
export function StoryCard({ story, eager = false }: { story: SiteStory; eager?: boolean }) {
  const cover = story.pages[0]?.picture;
  return (
    <li className="story-card">
      <a href={storyHref(story)}>
        {cover ? (
          // biome-ignore lint/performance/noImgElement: a static export serves pictures as they are; see the story page.
          <img
            src={cover.url}
            alt={cover.alt}
            width={cover.width}
            height={cover.height}
            loading={eager ? 'eager' : 'lazy'}
            decoding="async"
          />
        ) : null}
        <span className="card-band">{bandLabel(story.ageBand)}</span>
        <span className="card-title">{story.title}</span>
      </a>
    </li>
  );
}
