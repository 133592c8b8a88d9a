// Lines for the pager views (details, errors, log, help, command output): styled logical
// lines, wrapped to the pager's width before they are counted, so scrolling is exact.
import {sanitizeLine, wrapWords} from './format.js';

export interface PagerLine {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  /** continuation lines start with this many spaces (a hanging indent) */
  hang?: number;
  /** cut long lines character by character (logs, command lines), not at spaces */
  hard?: boolean;
}

export const blank: PagerLine = {text: ''};

/** Wraps every line to `width` cells; continuation lines keep the line's style. */
export function wrapLines(lines: readonly PagerLine[], width: number): PagerLine[] {
  const w = Math.max(4, width);
  const out: PagerLine[] = [];
  for (const line of lines) {
    const text = sanitizeLine(line.text);
    const chars = [...text];
    if (chars.length <= w) {
      out.push(text === line.text ? line : {...line, text});
      continue;
    }

    const lead = /^ */.exec(text)?.[0].length ?? 0;
    const hang = ' '.repeat(Math.min(line.hang ?? lead, Math.floor(w / 2)));
    if (line.hard === true) {
      out.push({...line, text: chars.slice(0, w).join('')});
      for (let index = w; index < chars.length; index += w - hang.length) {
        out.push({...line, text: hang + chars.slice(index, index + w - hang.length).join('')});
      }

      continue;
    }

    const [first = '', ...rest] = wrapWords(text.slice(lead), w - lead);
    out.push({...line, text: ' '.repeat(lead) + first});
    const restText = rest.join(' ');
    if (restText !== '') {
      for (const piece of wrapWords(restText, w - hang.length)) {
        out.push({...line, text: hang + piece});
      }
    }
  }

  return out;
}

/** Splits a tool's or a log's text into lines (escape sequences removed later by wrapLines). */
export function textLines(text: string, style: Omit<PagerLine, 'text'> = {}): PagerLine[] {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n$/, '').split(/\n|\r/);
  return lines.map((line) => ({...style, hard: true, text: line}));
}
