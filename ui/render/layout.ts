// Row and column budget of the screen, computed rather than measured so the list window
// always has exactly as many rows as fit.
import {LIST_CHROME_ROWS} from '../text/domain-rows.js';
import {HOST_PANEL_WIDTH} from '../text/host-lines.js';

export interface LayoutInput {
  columns: number;
  rows: number;
  /** rows of the status line or the confirmation dialog */
  bottomRows: number;
  /** lines of the host strip's content (used when the host panel sits under the list) */
  hostLines: number;
}

export interface Layout {
  width: number;
  /** total rows drawn */
  height: number;
  mainHeight: number;
  hostBeside: boolean;
  /** 0 when the host panel is hidden for lack of room */
  hostHeight: number;
  hostWidth: number;
  listWidth: number;
  listHeight: number;
  /** domain rows in the list window */
  viewport: number;
}

/** Narrowest terminal that still gets the host panel beside the list (the list keeps 66 columns). */
const SIDE_BY_SIDE_MIN_COLUMNS = 100;

export function computeLayout(input: LayoutInput): Layout {
  const width = Math.max(20, input.columns);
  // One row short of the terminal: a frame as tall as the terminal makes Ink clear the
  // whole screen on every update (flicker).
  const height = Math.max(8, input.rows - 1);
  const mainHeight = Math.max(LIST_CHROME_ROWS + 1, height - 1 /* title */ - input.bottomRows - 1 /* hints */);
  const hostBeside = width >= SIDE_BY_SIDE_MIN_COLUMNS;
  if (hostBeside) {
    const listWidth = width - HOST_PANEL_WIDTH;
    return {
      width,
      height,
      mainHeight,
      hostBeside,
      hostHeight: mainHeight,
      hostWidth: HOST_PANEL_WIDTH,
      listWidth,
      listHeight: mainHeight,
      viewport: mainHeight - LIST_CHROME_ROWS,
    };
  }

  // The strip gets what it needs as long as the list keeps three rows; else it shrinks to its summary.
  const wanted = input.hostLines + 2;
  const hostHeight = mainHeight - wanted >= LIST_CHROME_ROWS + 3 ? wanted : mainHeight - 3 >= LIST_CHROME_ROWS + 3 ? 3 : 0;
  const listHeight = mainHeight - hostHeight;
  return {
    width,
    height,
    mainHeight,
    hostBeside,
    hostHeight,
    hostWidth: width,
    listWidth: width,
    listHeight,
    viewport: Math.max(1, listHeight - LIST_CHROME_ROWS),
  };
}
