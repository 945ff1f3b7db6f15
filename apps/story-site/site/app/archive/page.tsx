import type { Metadata } from 'next';
import { ArchiveList } from '../../components/archive-list';
import { SiteHeader } from '../../components/site-header';
import { siteData } from '../../lib/site-data';

export const metadata: Metadata = { title: 'Archive' };

/** Every day's stories, newest first. */
export default function ArchivePage() {
  return (
    <>
      <SiteHeader />
      <main id="content">
        <h1>Archive</h1>
        <ArchiveList dates={siteData().dates} />
      </main>
    </>
  );
}
