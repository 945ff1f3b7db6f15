import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'KidsStories', template: '%s · KidsStories' },
  description: 'A new illustrated story to read and listen to every day, for ages 3 to 12.',
};

/** The page shell: language, skip link and the main landmark every page fills. */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip" href="#content">
          Skip to the story
        </a>
        {children}
      </body>
    </html>
  );
}
