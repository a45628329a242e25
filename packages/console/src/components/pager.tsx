import { useState } from 'preact/hooks';

/** Which page of a cursor-paged list is shown, and the way back to the newer ones. */
export interface Paging {
  /** The cursor of the page shown; undefined for the first. */
  readonly cursor: string | undefined;
  /** Back to the first page, as after a new filter. */
  reset(): void;
  /**
   * Newer/Older buttons for the page shown, given its `nextCursor`. A render call rather than
   * a component made per render, so a button keeps its focus across pages.
   */
  controls(nextCursor: string | undefined): preact.JSX.Element;
}

export function usePaging(): Paging {
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [previous, setPrevious] = useState<(string | undefined)[]>([]);
  return {
    cursor,
    reset() {
      setCursor(undefined);
      setPrevious([]);
    },
    controls(nextCursor) {
      return (
        <div class="pager">
          {previous.length > 0 && (
            <button
              type="button"
              onClick={() => {
                setCursor(previous[previous.length - 1]);
                setPrevious(previous.slice(0, -1));
              }}
            >
              Newer
            </button>
          )}
          {nextCursor && (
            <button
              type="button"
              onClick={() => {
                setPrevious([...previous, cursor]);
                setCursor(nextCursor);
              }}
            >
              Older
            </button>
          )}
        </div>
      );
    },
  };
}
