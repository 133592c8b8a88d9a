// Keys → commands, per view. One table drives the key handler, the `?` help view and the
// hint line, so what the help says is what the keys do. One input chunk can hold several
// keys (`jjj` from a fast typist or tmux): each character maps on its own.
import type {Key} from 'ink';
import type {ViewKind} from './screen-state.js';
import type {Segment} from '../text/styled-segment.js';

export type Command =
  | {type: 'move'; delta: number}
  | {type: 'first'}
  | {type: 'last'}
  | {type: 'page'; direction: 1 | -1}
  | {type: 'details'}
  | {type: 'filter'}
  | {type: 'clear-filter'}
  | {type: 'sort'}
  | {type: 'reverse'}
  | {type: 'start'}
  | {type: 'shutdown'}
  | {type: 'destroy'}
  | {type: 'reboot'}
  | {type: 'undefine'}
  | {type: 'autostart'}
  | {type: 'errors'}
  | {type: 'log'}
  | {type: 'console'}
  | {type: 'edit'}
  | {type: 'kldload'}
  | {type: 'command-line'}
  | {type: 'help'}
  | {type: 'refresh'}
  | {type: 'reedit'}
  | {type: 'discard'}
  | {type: 'back'}
  | {type: 'quit'};

type Special = 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'backspace';

export interface Binding {
  /** printable characters that trigger it */
  chars?: string;
  /** named keys that trigger it */
  special?: Special[];
  /** Ctrl + this letter */
  ctrl?: string;
  /** how the help view writes the keys */
  keys: string;
  label: string;
  command: Command;
  /** shown in the hint line (in this order) */
  hint?: string;
}

const move = (delta: number): Command => ({type: 'move', delta});

const navigation = (noun: string): Binding[] => [
  {chars: 'k', special: ['up'], keys: '↑ k', label: `previous ${noun}`, command: move(-1)},
  {chars: 'j', special: ['down'], keys: '↓ j', label: `next ${noun}`, command: move(1)},
  {special: ['pageUp'], ctrl: 'b', keys: 'PgUp Ctrl-B', label: 'page up', command: {type: 'page', direction: -1}},
  {special: ['pageDown'], ctrl: 'f', keys: 'PgDn Ctrl-F', label: 'page down', command: {type: 'page', direction: 1}},
  {chars: 'g', special: ['home'], keys: 'g Home', label: 'first', command: {type: 'first'}},
  {chars: 'G', special: ['end'], keys: 'G End', label: 'last', command: {type: 'last'}},
];

const domainActions: Binding[] = [
  {chars: 's', keys: 's', label: 'start (virsh start)', command: {type: 'start'}, hint: 'start'},
  {
    chars: 't',
    keys: 't',
    label: 'shutdown: ACPI power button, forced power-off after the timeout (virsh shutdown)',
    command: {type: 'shutdown'},
    hint: 'shutdown',
  },
  {chars: 'D', keys: 'D', label: 'destroy: power off now (virsh destroy; asks first)', command: {type: 'destroy'}, hint: 'destroy'},
  {chars: 'R', keys: 'R', label: 'reboot: forced reset (virsh reboot; asks first)', command: {type: 'reboot'}},
  {chars: 'U', keys: 'U', label: 'undefine: remove the definition (virsh undefine; type the name)', command: {type: 'undefine'}},
  {chars: 'a', keys: 'a', label: 'toggle autostart at host boot (virsh autostart)', command: {type: 'autostart'}},
  {chars: 'c', keys: 'c', label: 'serial console (Ctrl-] comes back)', command: {type: 'console'}, hint: 'console'},
  {chars: 'E', keys: 'E', label: 'edit the XML in $VISUAL/$EDITOR, validated on save (virsh edit)', command: {type: 'edit'}},
  {chars: 'l', keys: 'l', label: 'log: commands run, tool output, actions', command: {type: 'log'}},
];

const common: Binding[] = [
  {chars: ':', keys: ':', label: 'command line: CLI verbs, e.g. :start web1, :shutdown web1, :help', command: {type: 'command-line'}, hint: 'cmd'},
  {chars: '?', keys: '?', label: 'help for this view', command: {type: 'help'}, hint: 'help'},
  {ctrl: 'r', keys: 'Ctrl-R', label: 'refresh now', command: {type: 'refresh'}},
];

const back: Binding = {chars: 'q', special: ['escape'], keys: 'Esc q', label: 'back', command: {type: 'back'}, hint: 'back'};
const quit: Binding = {ctrl: 'c', keys: 'Ctrl-C', label: 'quit bhyve-tui', command: {type: 'quit'}};

const scrolling: Binding[] = navigation('line').map((binding) =>
  binding.command.type === 'move'
    ? {...binding, label: binding.command.delta < 0 ? 'scroll up' : 'scroll down'}
    : {...binding, label: binding.label === 'first' ? 'top' : binding.label === 'last' ? 'bottom' : binding.label},
);

export const bindings: Record<ViewKind, Binding[]> = {
  list: [
    ...navigation('domain'),
    {
      special: ['return'],
      keys: 'Enter',
      label: 'details: devices, boot, command lines (virsh dominfo + domxml-to-native)',
      command: {type: 'details'},
      hint: 'details',
    },
    {chars: '/', keys: '/', label: 'filter by name as you type (Enter keeps it, Esc clears it)', command: {type: 'filter'}, hint: 'filter'},
    {special: ['escape'], keys: 'Esc', label: 'clear the filter', command: {type: 'clear-filter'}},
    {chars: 'o', keys: 'o', label: 'sort by name → state → memory', command: {type: 'sort'}, hint: 'sort'},
    {chars: 'O', keys: 'O', label: 'reverse the sort order', command: {type: 'reverse'}},
    ...domainActions,
    {chars: 'e', keys: 'e', label: 'errors: every problem of the domain, with where and what to do (! in the list)', command: {type: 'errors'}, hint: 'errors'},
    {chars: 'K', keys: 'K', label: 'load a missing kernel module (kldload; asks first)', command: {type: 'kldload'}},
    ...common,
    {chars: 'q', keys: 'q', label: 'quit bhyve-tui', command: {type: 'quit'}, hint: 'quit'},
    quit,
  ],
  details: [
    ...scrolling,
    ...domainActions,
    {chars: 'e', keys: 'e', label: 'errors view of this domain', command: {type: 'errors'}, hint: 'errors'},
    ...common,
    back,
    quit,
  ],
  errors: [
    ...scrolling,
    {chars: 'E', keys: 'E', label: 'edit the XML to fix it', command: {type: 'edit'}, hint: 'edit'},
    {chars: 's', keys: 's', label: 'start (to try again)', command: {type: 'start'}, hint: 'start'},
    {chars: 'l', keys: 'l', label: 'log of this domain', command: {type: 'log'}, hint: 'log'},
    {special: ['return'], keys: 'Enter', label: 'details of this domain', command: {type: 'details'}, hint: 'details'},
    {chars: 'K', keys: 'K', label: 'load a missing kernel module (kldload; asks first)', command: {type: 'kldload'}},
    ...common,
    back,
    quit,
  ],
  log: [
    ...scrolling.map((binding) => (binding.command.type === 'last' ? {...binding, label: 'bottom, and follow new lines'} : binding)),
    {chars: 'e', keys: 'e', label: 'errors view of this domain', command: {type: 'errors'}, hint: 'errors'},
    {chars: 'c', keys: 'c', label: 'serial console', command: {type: 'console'}, hint: 'console'},
    ...common,
    back,
    quit,
  ],
  help: [...scrolling, {chars: 'q?', special: ['escape'], keys: 'Esc q ?', label: 'close the help', command: {type: 'back'}, hint: 'back'}, quit],
  output: [...scrolling, ...common, back, quit],
  'edit-failed': [
    ...scrolling,
    {chars: 'rE', keys: 'r E', label: 're-edit: the errors are shown at the top of the file, your text is kept', command: {type: 'reedit'}, hint: 're-edit'},
    {chars: 'd', keys: 'd', label: 'discard your edit (the definition stays as it was)', command: {type: 'discard'}, hint: 'discard'},
    {chars: 'q', special: ['escape'], keys: 'Esc q', label: 'back; the edit is kept, E resumes it', command: {type: 'back'}, hint: 'keep & back'},
    quit,
  ],
  editing: [quit],
};

export function isInterrupt(input: string, key: Pick<Key, 'ctrl'>): boolean {
  return key.ctrl && input === 'c';
}

function specialOf(key: Key): Special | undefined {
  if (key.upArrow) {
    return 'up';
  }

  if (key.downArrow) {
    return 'down';
  }

  if (key.pageUp) {
    return 'pageUp';
  }

  if (key.pageDown) {
    return 'pageDown';
  }

  if (key.home) {
    return 'home';
  }

  if (key.end) {
    return 'end';
  }

  if (key.return) {
    return 'return';
  }

  if (key.escape) {
    return 'escape';
  }

  if (key.backspace || key.delete) {
    return 'backspace';
  }

  return undefined;
}

/**
 * The commands of one input chunk in `view`, each with the rest of the chunk after it (a
 * command that opens a prompt hands that rest to the prompt: `/web` typed fast filters by `web`).
 */
export function commandsFor(view: ViewKind, input: string, key: Key): Array<{command: Command; rest: string}> {
  const table = bindings[view];
  if (isInterrupt(input, key)) {
    return [{command: {type: 'quit'}, rest: ''}];
  }

  const special = specialOf(key);
  if (special !== undefined) {
    const found = table.find((binding) => binding.special?.includes(special));
    return found === undefined ? [] : [{command: found.command, rest: ''}];
  }

  if (key.ctrl) {
    const found = table.find((binding) => binding.ctrl === input);
    return found === undefined ? [] : [{command: found.command, rest: ''}];
  }

  if (key.meta) {
    return [];
  }

  const commands: Array<{command: Command; rest: string}> = [];
  const chars = [...input];
  for (const [index, char] of chars.entries()) {
    // Enter can arrive inside a chunk as a bare CR.
    const found =
      char === '\r' || char === '\n' ? table.find((binding) => binding.special?.includes('return')) : table.find((binding) => binding.chars?.includes(char));
    if (found !== undefined) {
      commands.push({command: found.command, rest: chars.slice(index + 1).join('')});
    }
  }

  return commands;
}

export type Hint = readonly [key: string, label: string];

/** The hint line of a view. */
export function hintsFor(view: ViewKind): Hint[] {
  const hints: Hint[] = [];
  for (const binding of bindings[view]) {
    if (binding.hint !== undefined) {
      const shortKeys = binding.keys === 'Enter' ? '⏎' : (binding.keys.split(' ')[0] ?? binding.keys);
      hints.push([shortKeys, binding.hint]);
    }
  }

  if (view === 'list' || view === 'details' || view === 'log' || view === 'errors' || view === 'output' || view === 'help' || view === 'edit-failed') {
    hints.unshift(['↑↓', view === 'list' ? 'select' : 'scroll']);
  }

  return hints;
}

export const confirmHints: Hint[] = [
  ['y', 'confirm'],
  ['n/Esc', 'cancel'],
];

export const typeNameHints: Hint[] = [
  ['⏎', 'confirm when the name matches'],
  ['Esc', 'cancel'],
];

export const promptHints: Record<'filter' | 'command', Hint[]> = {
  filter: [
    ['⏎', 'keep filter'],
    ['Esc', 'clear'],
    ['Ctrl-U', 'erase'],
  ],
  command: [
    ['⏎', 'run'],
    ['↑↓', 'history'],
    ['Esc', 'cancel'],
    ['Tab', 'complete name'],
  ],
};

const keptHints = new Set(['help', 'quit', 'back']);

/** As many hints as fit, in order; help and quit/back are always kept. */
export function fitHints(hints: readonly Hint[], width: number): Hint[] {
  const size = (list: readonly Hint[]) => list.reduce((sum, [key, label], index) => sum + (index > 0 ? 2 : 0) + key.length + 1 + label.length, 0);
  const shown = [...hints];
  for (let index = shown.length - 1; index >= 0 && size(shown) > width; index--) {
    const hint = shown[index];
    if (hint !== undefined && !keptHints.has(hint[1])) {
      shown.splice(index, 1);
    }
  }

  return shown;
}

/** The hint line: each key bold, its label dim. */
export function hintSegments(hints: readonly Hint[]): Segment[] {
  return hints.flatMap(([key, label], index) => [...(index > 0 ? [{text: '  '}] : []), {text: key, bold: true}, {text: ` ${label}`, dim: true}]);
}
