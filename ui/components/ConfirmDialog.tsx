// A yes/no question in a red frame: `y` (or `Y`) confirms; any other key cancels, so a
// stray keystroke never destroys anything. The view has no input hook of its own: the App's
// single key handler routes keys here through `answerFor`, so no key is lost in the gap
// between the dialog's first frame and an effect subscribing to stdin.
import {Box, Text, type Key} from 'ink';
import {isInterrupt} from '../state/keymap.js';
import {tint, wrapWords} from '../text/format.js';

/** Lines the dialog's text takes inside `width` columns (frame and padding excluded). */
export function confirmLines(question: string, width: number): string[] {
  return wrapWords(question, Math.max(1, width - 4));
}

export function confirmHeight(question: string, width: number): number {
  return confirmLines(question, width).length + 2;
}

export type ConfirmAnswer = 'yes' | 'no';

export function answerFor(input: string, key: Key): ConfirmAnswer | undefined {
  if (isInterrupt(input, key)) {
    // Ctrl-C is the App's (quit); it is not an answer.
    return undefined;
  }

  return !key.ctrl && !key.meta && (input[0] === 'y' || input[0] === 'Y') ? 'yes' : 'no';
}

export function ConfirmDialog(props: {question: string; width: number; color?: string}) {
  return (
    <Box flexDirection="column" flexShrink={0} width={props.width} borderStyle="round" borderColor={tint(props.color ?? 'red')} paddingX={1}>
      {confirmLines(props.question, props.width).map((line, index) => (
        <Text key={index} bold wrap="truncate-end">
          {line}
        </Text>
      ))}
    </Box>
  );
}
