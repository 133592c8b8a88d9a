// Pure formatting helpers shared by the views: sizes, column padding, state styles.
import type {DomainState} from '../../driver/client/connection.js';

const KIB_PER_MIB = 1024;
const KIB_PER_GIB = 1024 * 1024;

/** Memory as an operator writes it in a config: `512M`, `2G`, `1.5G`; `-` when unknown. */
export function formatMemory(kib: number | null | undefined): string {
  if (kib === null || kib === undefined || !Number.isFinite(kib) || kib < 0) {
    return '-';
  }

  if (kib >= KIB_PER_GIB) {
    return `${trimDecimal(kib / KIB_PER_GIB)}G`;
  }

  if (kib >= KIB_PER_MIB) {
    return `${trimDecimal(kib / KIB_PER_MIB)}M`;
  }

  return `${Math.round(kib)}K`;
}

/** At most one decimal, and none when it would be `.0`. */
function trimDecimal(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
}

export function formatVcpus(vcpus: number | null | undefined): string {
  return vcpus === null || vcpus === undefined ? '-' : String(vcpus);
}

/** Cut `text` to `width` cells, marking the cut with `…`. */
export function truncate(text: string, width: number): string {
  if (width <= 0) {
    return '';
  }

  const chars = [...text];
  if (chars.length <= width) {
    return text;
  }

  return width === 1 ? '…' : chars.slice(0, width - 1).join('') + '…';
}

export function padEnd(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - [...cut].length));
}

export function padStart(text: string, width: number): string {
  const cut = truncate(text, width);
  return ' '.repeat(Math.max(0, width - [...cut].length)) + cut;
}

/**
 * True unless NO_COLOR is set to a non-empty value (https://no-color.org).
 * chalk 5 only looks at FORCE_COLOR, so the views drop their colours themselves;
 * bold, dim and inverse stay, as the convention allows.
 */
function colorsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.NO_COLOR;
  return value === undefined || value === '';
}

/** A colour name for Ink's `color` prop, or undefined when colours are off. */
export function tint(color: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return colorsEnabled(env) ? color : undefined;
}

export interface TextStyle {
  color?: string;
  dimColor?: boolean;
  bold?: boolean;
}

const stateColors: Record<DomainState, string | undefined> = {
  running: 'green',
  bootloader: 'yellow',
  'in shutdown': 'yellow',
  'shut off': undefined,
  crashed: 'red',
  orphaned: 'magenta',
  invalid: 'red',
};

/** How a state is drawn in the STATE column. */
export function stateStyle(state: DomainState, env: NodeJS.ProcessEnv = process.env): TextStyle {
  if (state === 'shut off') {
    return {dimColor: true};
  }

  const color = stateColors[state];
  return {color: color === undefined ? undefined : tint(color, env), bold: state === 'invalid' || state === 'crashed'};
}

/** Removes escape sequences and control characters from text that came from a tool. */
export function sanitizeLine(text: string): string {
  return (
    text
      // CSI / OSC / other ESC sequences
      .replace(/\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|[@-Z\\-_])/g, '')
      .replace(/\t/g, '  ')
      .replace(/[\u0000-\u001F\u007F-\u009F]/g, '')
  );
}

/** Greedy word wrap to `width` cells; words longer than a line are cut. Exact line count for layout. */
export function wrapWords(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let rest = word;
    while ([...rest].length > w) {
      if (line !== '') {
        lines.push(line);
        line = '';
      }

      lines.push([...rest].slice(0, w).join(''));
      rest = [...rest].slice(w).join('');
    }

    if (rest === '') {
      continue;
    }

    if (line === '') {
      line = rest;
    } else if ([...line].length + 1 + [...rest].length <= w) {
      line += ' ' + rest;
    } else {
      lines.push(line);
      line = rest;
    }
  }

  if (line !== '' || lines.length === 0) {
    lines.push(line);
  }

  return lines;
}

/** CPU use in percent of one core: `0.4`, `12`, `180`; blank when unknown. */
export function formatPercent(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) {
    return '';
  }

  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

/** Seconds left until `deadline` (epoch ms), never negative. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}
