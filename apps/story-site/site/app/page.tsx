import { ArchiveList } from '../components/archive-list';
import { SiteHeader } from '../components/site-header';
import { StoryCard } from '../components/story-card';
import { dateLabel, siteData, storiesOn } from '../lib/site-data';

/** Days listed on the home page below today's stories; the rest are on /archive/. */
const RECENT_DAYS = 7;

/** Home: today's story (the newest day) for each age band, then the most recent days. */
export default function HomePage() {
  const { dates } = siteData();
  const today = dates[0];
  return (
    <>
      <SiteHeader />
      <main id="content">
        <h1>Today's stories</h1>
        {today ? (
          <>
            <p className="date">
              <time dateTime={today}>{dateLabel(today)}</time>
            </p>
            <ul className="cards">
              {storiesOn(today).map((story) => (
                <StoryCard key={story.ageBand} story={story} eager />
              ))}
            </ul>
          </>
        ) : (
          <p>No stories yet.</p>
        )}
        <section aria-labelledby="recent">
          <h2 id="recent">Earlier days</h2>
          <ArchiveList dates={dates.slice(1, RECENT_DAYS + 1)} />
          <p>
            <a href="/archive/">Every day in the archive</a>
          </p>
        </section>
      </main>
    </>
  );
}
