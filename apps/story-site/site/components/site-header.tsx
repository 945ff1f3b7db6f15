import { bandHref, bandLabel, siteData } from '../lib/site-data';

/** The navigation on every page: home, archive and one link per age band (the band filter). */
export function SiteHeader({ currentBand }: { currentBand?: string }) {
  return (
    <header className="site-header">
      <nav aria-label="Site">
        <a className="brand" href="/">
          KidsStories
        </a>
        <a href="/archive/">Archive</a>
        <span className="bands">
          <span>By age:</span>
          {siteData().ageBands.map((band) => (
            <a key={band} href={bandHref(band)} aria-current={band === currentBand ? 'page' : undefined}>
              {bandLabel(band)}
            </a>
          ))}
        </span>
      </nav>
    </header>
  );
}
