import {Box, Text} from 'ink';
import {tint, truncate} from '../text/format.js';
import type {Status} from '../state/status.js';

const toneColor = {info: undefined, pending: 'yellow', success: 'green', error: 'red'} as const;
const toneMark = {info: '', pending: '', success: '✔ ', error: '✘ '} as const;

/** The last action's outcome; an error shows its message, exit code and a few stderr lines. */
export function StatusLine(props: {status: Status | null; fallback: string; width: number}) {
  const {status, width} = props;
  if (status === null) {
    return (
      <Text dimColor wrap="truncate-end">
        {truncate(props.fallback, width)}
      </Text>
    );
  }

  const color = toneColor[status.tone];
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold={status.tone === 'error'} color={color === undefined ? undefined : tint(color)} wrap="truncate-end">
        {truncate(toneMark[status.tone] + status.text, width)}
      </Text>
      {(status.detail ?? []).map((line, index) => (
        <Text key={index} color={tint('red')} dimColor wrap="truncate-end">
          {truncate(`  ${line}`, width)}
        </Text>
      ))}
    </Box>
  );
}
