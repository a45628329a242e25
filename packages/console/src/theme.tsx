import { useState } from 'preact/hooks';
import { preferenceStore } from './storage';

const THEME_KEY = 'hookline.theme';
type Theme = 'light' | 'dark';

/** The stored choice, if any; otherwise the page follows prefers-color-scheme. */
export function applyStoredTheme(): void {
  const stored = preferenceStore.get(THEME_KEY);
  if (stored === 'light' || stored === 'dark') document.documentElement.dataset.theme = stored;
}

function currentTheme(): Theme {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(currentTheme);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      class="theme-toggle"
      aria-pressed={theme === 'dark'}
      onClick={() => {
        document.documentElement.dataset.theme = next;
        preferenceStore.set(THEME_KEY, next);
        setTheme(next);
      }}
    >
      Dark theme
    </button>
  );
}
