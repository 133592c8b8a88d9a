// The hint line: as many hints as fit, in order; help and quit/back are always kept.
import {Text} from 'ink';
import {fitHints, hintSegments, type Hint} from '../state/keymap.js';
import {Segments} from './Segments.js';

export function KeyHints(props: {hints: readonly Hint[]; width?: number}) {
  const hints = props.width === undefined ? props.hints : fitHints(props.hints, props.width);
  return (
    <Text wrap="truncate-end">
      <Segments segments={hintSegments(hints)} />
    </Text>
  );
}
