// A framed, scrollable text view: a title, the visible window of pre-wrapped lines, and
// where the window is (`12-30/84`). It reports how far it can scroll through onBounds, so
// the screen reducer can clamp scroll keys without knowing the content.
import {Box, Text} from 'ink';
import {useEffect} from 'react';
import {tint, truncate} from '../text/format.js';
import {wrapLines, type PagerLine} from '../text/pager-lines.js';

/** Rows of the pager that are not content: frame (2) and title (1). */
export const PAGER_CHROME_ROWS = 3;

export function Pager(props: {
  title: string;
  /** shown right of the title (e.g. state, follow mode) */
  badge?: {text: string; color?: string};
  lines: readonly PagerLine[];
  scroll: number;
  width: number;
  height: number;
  /** false while the content is loading: no bounds are reported yet (a G pressed early waits for the real content) */
  ready?: boolean;
  onBounds(maxScroll: number): void;
}) {
  const {width, height, onBounds} = props;
  const inner = Math.max(4, width - 4);
  const rows = Math.max(1, height - PAGER_CHROME_ROWS);
  const wrapped = wrapLines(props.lines, inner);
  const maxScroll = Math.max(0, wrapped.length - rows);
  const scroll = Math.min(Math.max(0, props.scroll), maxScroll);
  const visible = wrapped.slice(scroll, scroll + rows);
  const position = wrapped.length > rows ? `${scroll + 1}-${scroll + visible.length}/${wrapped.length}` : '';

  const ready = props.ready ?? true;
  useEffect(() => {
    if (ready) {
      onBounds(maxScroll);
    }
  }, [maxScroll, onBounds, ready]);

  const badge = props.badge;
  const titleRoom = Math.max(1, inner - position.length - (badge === undefined ? 0 : badge.text.length + 2) - 1);
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} borderStyle="round" borderDimColor paddingX={1} overflow="hidden">
      <Box width={inner} height={1}>
        <Box flexGrow={1}>
          <Text bold wrap="truncate-end">
            {truncate(props.title, titleRoom)}
          </Text>
          {badge === undefined ? null : (
            <Text color={badge.color === undefined ? undefined : tint(badge.color)} bold>
              {'  ' + badge.text}
            </Text>
          )}
        </Box>
        <Text dimColor>{position}</Text>
      </Box>
      <Box flexDirection="column" height={rows} flexShrink={0} overflow="hidden">
        {visible.map((line, index) => (
          <Text key={scroll + index} color={line.color === undefined ? undefined : tint(line.color)} bold={line.bold} dimColor={line.dim} wrap="truncate-end">
            {line.text === '' ? ' ' : line.text}
          </Text>
        ))}
      </Box>
    </Box>
  );
}
