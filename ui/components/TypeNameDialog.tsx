// The dangerous confirmation: the operator types the domain's name (like Shopify's
// DangerousConfirmationPrompt or GitHub's repository deletion). Enter only confirms when
// the text matches; the key routing lives in the App's single key handler.
import {Box, Text} from 'ink';
import {confirmLines} from './ConfirmDialog.js';
import {tint, truncate} from '../text/format.js';
import {PROMPT_CLIPPED_NOTE} from '../state/prompt-input.js';

export function typeNameHeight(question: string, width: number): number {
  return confirmLines(question, width).length + 2 + 2;
}

export function TypeNameDialog(props: {question: string; name: string; value: string; clipped?: boolean; width: number}) {
  const {value, name} = props;
  const inner = Math.max(1, props.width - 4);
  const matches = value === name;
  const note =
    props.clipped === true
      ? PROMPT_CLIPPED_NOTE
      : value === ''
        ? `type ${name}`
        : matches
          ? 'Enter undefines it'
          : name.startsWith(value)
            ? ''
            : 'does not match';
  return (
    <Box flexDirection="column" flexShrink={0} width={props.width} borderStyle="round" borderColor={tint('red')} paddingX={1}>
      {confirmLines(props.question, props.width).map((line, index) => (
        <Text key={index} bold wrap="truncate-end">
          {line}
        </Text>
      ))}
      <Text wrap="truncate-end">
        {'› '}
        <Text bold color={matches ? tint('red') : undefined}>
          {truncate(value, Math.max(1, inner - 4 - (note === '' ? 0 : note.length + 2)))}
        </Text>
        <Text inverse> </Text>
        <Text dimColor>{note === '' ? '' : `  ${note}`}</Text>
      </Text>
      <Text> </Text>
    </Box>
  );
}
