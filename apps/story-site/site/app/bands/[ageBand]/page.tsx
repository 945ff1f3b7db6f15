import type { Metadata } from 'next';
import { SiteHeader } from '../../../components/site-header';
import { StoryCard } from '../../../components/story-card';
import { bandLabel, siteData } from '../../../lib/site-data';

type Params = Promise<{ ageBand: string }>;

export const dynamicParams = false;

/** One page per age band that has stories. */
export function generateStaticParams(): { ageBand: string }[] {
  const bands = new Set(siteData().stories.map((story) => story.ageBand));
  return siteData()
    .ageBands.filter((band) => bands.has(band))
    .map((ageBand) => ({ ageBand }));
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Stories for ${bandLabel((await params).ageBand).toLowerCase()}` };
}

/** The age-band filter: every story of one band, newest first. */
export default async function BandPage({ params }: { params: Params }) {
  const { ageBand } = await params;
  const stories = siteData().stories.filter((story) => story.ageBand === ageBand);
  return (
    <>
      <SiteHeader currentBand={ageBand} />
      <main id="content">
        <h1>Stories for {bandLabel(ageBand).toLowerCase()}</h1>
        <ul className="cards">
          {stories.map((story, index) => (
            <StoryCard key={story.date} story={story} eager={index < 3} />
          ))}
        </ul>
      </main>
    </>
  );
}
