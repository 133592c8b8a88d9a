// Keys → edits for the one-line prompts (filter, command line, typed confirmation). A
// chunk can hold text and Enter together (a paste, tmux), so it maps to a list of edits.
// Every edit costs at most the bounded length of the input, so a pasted megabyte or a
// storm of keys never freezes the screen.
import type {Key} from 'ink';

/**
 * The longest text a prompt holds (UTF-16 units). A domain name is at most 207
 * characters and a command line a few of them; past this a paste is cut, with a note.
 */
export const PROMPT_MAX_CHARS = 1024;

/** The note a prompt shows while its input was cut. */
export const PROMPT_CLIPPED_NOTE = `input cut at ${PROMPT_MAX_CHARS} characters`;

const keepable = (code: number) => code > 0x1f && code !== 0x7f;

/** `value` + `text` (control characters dropped), cut at PROMPT_MAX_CHARS; linear in `text`. */
export function appendInput(value: string, text: string): {value: string; clipped: boolean} {
  const room = Math.max(0, PROMPT_MAX_CHARS - value.length);
  // Control characters never go into a name or a command. Only what can fit is cleaned:
  // at most `room` kept characters, found in one pass.
  let kept = '';
  let index = 0;
  for (; index < text.length && kept.length < room; index++) {
    if (keepable(text.charCodeAt(index))) {
      kept += text[index];
    }
  }

  let clipped = false;
  for (let rest = index; rest < text.length; rest++) {
    if (keepable(text.charCodeAt(rest))) {
      clipped = true;
      break;
    }
  }

  // Never keep half of a surrogate pair.
  const last = kept.charCodeAt(kept.length - 1);
  if (clipped && last >= 0xd8_00 && last <= 0xdb_ff) {
    kept = kept.slice(0, -1);
  }

  return {value: value + kept, clipped};
}

/** `value` without its last character (a whole surrogate pair); O(1) in the length. */
export function eraseChar(value: string): string {
  const last = value.charCodeAt(value.length - 1);
  const before = value.charCodeAt(value.length - 2);
  const pair = last >= 0xdc_00 && last <= 0xdf_ff && before >= 0xd8_00 && before <= 0xdb_ff;
  return value.slice(0, Math.max(0, value.length - (pair ? 2 : 1)));
}

/** Like a shell's Ctrl-W: the last word and the blanks after it; one pass from the end. */
export function eraseWord(value: string): string {
  let end = value.length;
  while (end > 0 && /\s/.test(value[end - 1]!)) {
    end--;
  }

  while (end > 0 && !/\s/.test(value[end - 1]!)) {
    end--;
  }

  return value.slice(0, end);
}

export type PromptEdit =
  | {type: 'text'; text: string}
  | {type: 'enter'}
  | {type: 'escape'}
  | {type: 'erase'; what: 'char' | 'word' | 'all'}
  | {type: 'history'; direction: -1 | 1}
  | {type: 'complete'};

export function promptEdits(input: string, key: Key): PromptEdit[] {
  if (key.escape) {
    return [{type: 'escape'}];
  }

  if (key.return) {
    return [{type: 'enter'}];
  }

  if (key.backspace || key.delete) {
    return [{type: 'erase', what: 'char'}];
  }

  if (key.upArrow) {
    return [{type: 'history', direction: -1}];
  }

  if (key.downArrow) {
    return [{type: 'history', direction: 1}];
  }

  if (key.tab) {
    return [{type: 'complete'}];
  }

  if (key.ctrl) {
    if (input === 'u') {
      return [{type: 'erase', what: 'all'}];
    }

    if (input === 'w') {
      return [{type: 'erase', what: 'word'}];
    }

    if (input === 'h') {
      return [{type: 'erase', what: 'char'}];
    }

    return [];
  }

  if (key.meta || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown || key.home || key.end) {
    return [];
  }

  const edits: PromptEdit[] = [];
  for (const [index, piece] of input.split(/\r\n|\r|\n/).entries()) {
    if (index > 0) {
      edits.push({type: 'enter'});
    }

    if (piece !== '') {
      edits.push({type: 'text', text: piece.replace(/\u007F/g, '')});
    }
  }

  return edits;
}
