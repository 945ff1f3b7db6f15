'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * "Read to me": plays each page's narration in turn, marking the page being read (`aria-current="step"`, which
 * the stylesheet highlights) and scrolling it into view. Rendered hidden and shown once JavaScript runs, so a
 * page without JavaScript has no dead button.
 */
export function ReadToMe({ pageCount }: { pageCount: number }) {
  const [ready, setReady] = useState(false);
  const [reading, setReading] = useState<number | null>(null);
  const current = useRef<HTMLAudioElement | null>(null);

  useEffect(() => setReady(true), []);

  const mark = useCallback((page: number | null) => {
    for (const section of document.querySelectorAll('.page[aria-current]')) {
      section.removeAttribute('aria-current');
    }
    if (page !== null) {
      const section = document.getElementById(`page-${page}`);
      section?.setAttribute('aria-current', 'step');
      section?.scrollIntoView({ behavior: 'smooth', block: 'center' });
    }
    setReading(page);
  }, []);

  const stop = useCallback(() => {
    current.current?.pause();
    current.current = null;
    mark(null);
  }, [mark]);

  const play = useCallback(
    (page: number) => {
      const audio = document.querySelector<HTMLAudioElement>(`#page-${page} audio`);
      if (page > pageCount || !audio) {
        stop();
        return;
      }
      current.current?.pause();
      current.current = audio;
      mark(page);
      audio.currentTime = 0;
      audio.onended = () => {
        if (current.current === audio) play(page + 1);
      };
      audio.play().catch(() => stop());
    },
    [mark, pageCount, stop],
  );

  return (
    <p className="read-to-me" hidden={!ready}>
      <button type="button" onClick={() => (reading === null ? play(1) : stop())}>
        {reading === null ? 'Read to me' : 'Stop reading'}
      </button>
      <span aria-live="polite" className="reading-status">
        {reading === null ? '' : `Reading page ${reading} of ${pageCount}`}
      </span>
    </p>
  );
}
