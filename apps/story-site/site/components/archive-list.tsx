import { bandLabel, dateLabel, storiesOn, storyHref } from '../lib/site-data';

/** The archive: one entry per day, newest first, linking each age band's story. */
export function ArchiveList({ dates }: { dates: string[] }) {
  return (
    <ol className="archive">
      {dates.map((date) => (
        <li key={date}>
          <h3>
            <time dateTime={date}>{dateLabel(date)}</time>
          </h3>
          <ul>
            {storiesOn(date).map((story) => (
              <li key={story.ageBand}>
                <a href={storyHref(story)}>
                  {bandLabel(story.ageBand)}: {story.title}
                </a>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
