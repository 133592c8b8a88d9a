// The one-line prompts at the bottom: `/` filter (applied as you type) and `:` command line.
import {Text} from 'ink';
import {tint, truncate} from '../text/format.js';

export function PromptLine(props: {purpose: 'filter' | 'command'; value: string; width: number; note?: string}) {
  const sigil = props.purpose === 'filter' ? '/' : ':';
  const note = props.note === undefined ? '' : `  ${props.note}`;
  // Long input scrolls: the end (where one types) stays visible.
  const room = Math.max(1, props.width - 2 - note.length);
  const chars = [...props.value];
  const shown = chars.length > room ? '…' + chars.slice(chars.length - room + 1).join('') : props.value;
  return (
    <Text wrap="truncate-end">
      <Text bold color={tint('cyan')}>
        {sigil}
      </Text>
      {shown}
      <Text inverse> </Text>
      <Text dimColor>{truncate(note, props.width)}</Text>
    </Text>
  );
}
