import test from 'ava';
import type {Key} from 'ink';
import type {DomainSummary, HostStatus, ModuleStatus} from '../../../driver/client/connection.js';
import {initialTableState, selectedDomain, tableReducer} from '../../../ui/state/domain-table-state.js';
import {dispatchKey, type Effect, type KeyState} from '../../../ui/state/key-dispatch.js';
import {bindings} from '../../../ui/state/keymap.js';
import {initialScreenState, screenReducer, topEntry, type Dialog, type View, type ViewKind} from '../../../ui/state/screen-state.js';
import {allModules, domain, missingModule, noFileModule} from '../helpers/fake-connection.js';

const none: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

// What Ink hands the handler for the named keys.
const special = {
  up: ['', {upArrow: true}],
  down: ['', {downArrow: true}],
  pageUp: ['', {pageUp: true}],
  pageDown: ['', {pageDown: true}],
  home: ['', {home: true}],
  end: ['', {end: true}],
  return: ['\r', {return: true}],
  escape: ['', {escape: true, meta: true}],
  backspace: ['', {backspace: true}],
  tab: ['\t', {tab: true}],
} as const satisfies Record<string, readonly [string, Partial<Key>]>;

const ctrl = (letter: string): [string, Partial<Key>] => [letter, {ctrl: true}];

const fleet: DomainSummary[] = [
  domain('web1', 'running'),
  domain('db1', 'shut off'),
  domain('bad', 'invalid', {error: 'line 3: <memory> must be a size'}),
  domain('boot', 'bootloader'),
  domain('going', 'in shutdown'),
  domain('ghost', 'orphaned'),
  domain('dead', 'crashed'),
  domain('auto', 'shut off', {autostart: true}),
];

function hostWith(modules: ModuleStatus[]): HostStatus {
  return {uri: 'bhyve:///system', simulated: false, hostname: 'fakehost', modules, ncpu: 4};
}

interface Given {
  domains?: DomainSummary[];
  /** false: the first listing has not arrived */
  loaded?: boolean;
  selected?: string;
  filter?: string;
  /** views pushed over the list, bottom first */
  views?: View[];
  dialog?: Dialog;
  history?: string[];
  host?: HostStatus | undefined;
  canLoadModules?: boolean;
  drafts?: Map<string, {savedAt?: string}>;
  pagerRows?: number;
}

function given(options: Given = {}): KeyState {
  let table = initialTableState({selected: options.selected ?? 'web1', filter: options.filter ?? ''});
  if (options.loaded !== false) {
    table = tableReducer(table, {type: 'data', domains: options.domains ?? fleet});
  }

  table = tableReducer(table, {type: 'viewport', rows: 5});
  let screen = initialScreenState();
  for (const view of options.views ?? []) {
    screen = screenReducer(screen, {type: 'push', view});
  }

  for (const command of options.history ?? []) {
    screen = screenReducer(screen, {type: 'remember', command});
  }

  if (options.dialog !== undefined) {
    screen = screenReducer(screen, {type: 'open', dialog: options.dialog});
  }

  return {
    screen,
    table,
    host: 'host' in options ? options.host : hostWith(allModules),
    pagerRows: options.pagerRows ?? 10,
    canLoadModules: options.canLoadModules ?? true,
    drafts: options.drafts ?? new Map(),
    leaving: false,
    editing: false,
  };
}

const press = (state: KeyState, input: string, key: Partial<Key> = {}): Effect[] => dispatchKey(state, input, {...none, ...key});
const pressKey = (state: KeyState, [input, key]: readonly [string, Partial<Key>]): Effect[] => press(state, input, key);

/** The state once the App ran the store actions among `effects`. */
function after(state: KeyState, effects: Effect[]): KeyState {
  let {screen, table} = state;
  for (const effect of effects) {
    if (effect.type === 'screen') {
      screen = screenReducer(screen, effect.action);
    } else if (effect.type === 'table') {
      table = tableReducer(table, effect.action);
    }
  }

  return {...state, screen, table};
}

/** Presses each chunk in turn; the final state and every effect. */
function typing(state: KeyState, ...chunks: Array<string | readonly [string, Partial<Key>]>): {state: KeyState; effects: Effect[]} {
  const effects: Effect[] = [];
  let now = state;
  for (const chunk of chunks) {
    const next = typeof chunk === 'string' ? press(now, chunk) : pressKey(now, chunk);
    effects.push(...next);
    now = after(now, next);
  }

  return {state: now, effects};
}

const statuses = (effects: Effect[]) => effects.flatMap((effect) => (effect.type === 'status' ? [effect.status.text] : []));
const tones = (effects: Effect[]) => effects.flatMap((effect) => (effect.type === 'status' ? [effect.status.tone] : []));
/** The effects that reach outside the stores and the status line. */
const outside = (effects: Effect[]) => effects.filter((effect) => effect.type !== 'screen' && effect.type !== 'table' && effect.type !== 'status');
const screenActions = (effects: Effect[]) => effects.flatMap((effect) => (effect.type === 'screen' ? [effect.action] : []));
const tableActions = (effects: Effect[]) => effects.flatMap((effect) => (effect.type === 'table' ? [effect.action] : []));
const view = (state: KeyState) => topEntry(state.screen).view;
const selected = (state: KeyState) => selectedDomain(state.table)?.name;

// ---- every binding -------------------------------------------------------------------

test('every key of every view in the keymap does something', (t) => {
  const viewOf: Record<ViewKind, View | undefined> = {
    list: undefined,
    details: {kind: 'details', name: 'db1'},
    errors: {kind: 'errors', name: 'bad'},
    log: {kind: 'log', name: 'web1'},
    help: {kind: 'help', of: 'list'},
    output: {kind: 'output', title: ':dumpxml web1', text: 'a\nb\n'},
    'edit-failed': {kind: 'edit-failed', name: 'db1', message: 'bad XML'},
    editing: {kind: 'editing', name: 'db1'},
  };
  let keys = 0;
  for (const [kind, table] of Object.entries(bindings) as Array<[ViewKind, (typeof bindings)[ViewKind]]>) {
    const pushed = viewOf[kind];
    // A filter, so Esc in the list has one to clear; a missing module, so K has one to load.
    const state = given({views: pushed === undefined ? [] : [pushed], filter: 'e', host: hostWith([...allModules.slice(0, 3), missingModule('nmdm')])});
    for (const binding of table) {
      const triggers: Array<readonly [string, Partial<Key>]> = [
        ...[...(binding.chars ?? '')].map((char) => [char, {}] as const),
        ...(binding.special ?? []).map((name) => special[name]),
        ...(binding.ctrl === undefined ? [] : [ctrl(binding.ctrl)]),
      ];
      for (const trigger of triggers) {
        keys++;
        const effects = pressKey(state, trigger);
        t.true(effects.length > 0, `${kind}: ${binding.keys} (${binding.command.type}) did nothing`);
      }
    }
  }

  t.true(keys > 100);
});

// ---- guards --------------------------------------------------------------------------

test('nothing is handled while leaving or while the editor runs', (t) => {
  t.deepEqual(dispatchKey({...given(), leaving: true}, 's', none), []);
  t.deepEqual(dispatchKey({...given(), editing: true}, 'c', {...none, ctrl: true}), []);
});

test('Ctrl-C quits from every view and every dialog; q quits from the list', (t) => {
  const quit = [{type: 'quit'}];
  t.deepEqual(pressKey(given(), ctrl('c')), quit);
  t.deepEqual(pressKey(given({views: [{kind: 'details', name: 'web1'}]}), ctrl('c')), quit);
  t.deepEqual(pressKey(given({views: [{kind: 'editing', name: 'web1'}]}), ctrl('c')), quit);
  t.deepEqual(pressKey(given({dialog: {kind: 'confirm', action: {type: 'destroy', name: 'web1'}}}), ctrl('c')), quit);
  t.deepEqual(pressKey(given({dialog: {kind: 'type-name', name: 'db1', value: ''}}), ctrl('c')), quit);
  t.deepEqual(pressKey(given({dialog: {kind: 'prompt', purpose: 'command', value: 'sta', history: 0}}), ctrl('c')), quit);
  t.deepEqual(press(given(), 'q'), quit);
  t.deepEqual(press(given(), 'qj'), quit, 'nothing after quit');
  t.deepEqual(
    press(given(), 'jq').map((effect) => effect.type),
    ['table', 'quit'],
  );
});

test('keys bound nowhere do nothing', (t) => {
  t.deepEqual(press(given(), 'xyz'), []);
  t.deepEqual(press(given({views: [{kind: 'editing', name: 'db1'}]}), 'jq'), []);
  t.deepEqual(pressKey(given(), ctrl('d')), []);
  t.deepEqual(press(given(), 'j', {meta: true}), []);
});

// ---- the list ------------------------------------------------------------------------

test('list: j, k, the arrows, pages, g and G move the selection', (t) => {
  const state = given({selected: 'auto'});
  t.deepEqual(tableActions(press(state, 'j')), [{type: 'move', delta: 1}]);
  t.deepEqual(tableActions(press(state, 'k')), [{type: 'move', delta: -1}]);
  t.deepEqual(tableActions(pressKey(state, special.down)), [{type: 'move', delta: 1}]);
  t.deepEqual(tableActions(pressKey(state, special.up)), [{type: 'move', delta: -1}]);
  t.deepEqual(tableActions(pressKey(state, special.pageDown)), [{type: 'page', direction: 1}]);
  t.deepEqual(tableActions(pressKey(state, ctrl('f'))), [{type: 'page', direction: 1}]);
  t.deepEqual(tableActions(pressKey(state, special.pageUp)), [{type: 'page', direction: -1}]);
  t.deepEqual(tableActions(pressKey(state, ctrl('b'))), [{type: 'page', direction: -1}]);
  t.deepEqual(tableActions(press(state, 'g')), [{type: 'first'}]);
  t.deepEqual(tableActions(pressKey(state, special.home)), [{type: 'first'}]);
  t.deepEqual(tableActions(press(state, 'G')), [{type: 'last'}]);
  t.deepEqual(tableActions(pressKey(state, special.end)), [{type: 'last'}]);
  // Sorted by name: auto, bad, boot, db1, dead, ghost, going, web1.
  t.is(selected(typing(state, 'jjj').state), 'db1');
  t.is(selected(typing(state, 'G').state), 'web1');
  t.is(selected(typing(state, 'Gg').state), 'auto');
});

test('list: a key after a move acts on the domain the move selected', (t) => {
  // auto → bad: s on bad is refused with its definition error.
  const effects = press(given({selected: 'auto'}), 'js');
  t.deepEqual(statuses(effects), ['bad cannot start: line 3: <memory> must be a size — e shows the errors, E edits']);
  t.deepEqual(tones(effects), ['error']);
  t.deepEqual(outside(press(given({selected: 'bad'}), 'ks')), [{type: 'start', name: 'auto'}]);
});

test('list: Enter opens the details of the selection, as a key or a CR inside a chunk', (t) => {
  const state = given({selected: 'db1'});
  t.deepEqual(screenActions(pressKey(state, special.return)), [{type: 'push', view: {kind: 'details', name: 'db1'}}]);
  t.deepEqual(screenActions(press(state, '\r')), [{type: 'push', view: {kind: 'details', name: 'db1'}}]);
  // The keys after Enter act in the details view: j scrolls there.
  const effects = press(state, '\rj');
  t.deepEqual(screenActions(effects), [
    {type: 'push', view: {kind: 'details', name: 'db1'}},
    {type: 'scroll', delta: 1},
  ]);
  t.deepEqual(tableActions(effects), []);
});

test('list: e, l open the errors and the log of the selection', (t) => {
  const state = given({selected: 'bad'});
  t.deepEqual(screenActions(press(state, 'e')), [{type: 'push', view: {kind: 'errors', name: 'bad'}}]);
  t.deepEqual(screenActions(press(state, 'l')), [{type: 'push', view: {kind: 'log', name: 'bad'}}]);
});

test('list: o cycles the sort, O reverses it, each with a status', (t) => {
  t.deepEqual(statuses(press(given(), 'o')), ['Sorted by state']);
  t.deepEqual(statuses(press(given(), 'oo')), ['Sorted by state', 'Sorted by memory']);
  t.deepEqual(statuses(press(given(), 'O')), ['Sorted by name, reversed']);
  t.deepEqual(tableActions(press(given(), 'oO')), [{type: 'sort'}, {type: 'reverse'}]);
  // After the sort the selection stays on web1, now first: j moves to boot (running, bootloader, …).
  t.is(selected(typing(given(), 'oj').state), 'boot');
});

test('list: Esc clears the filter, with a status; without a filter it does nothing', (t) => {
  const effects = pressKey(given({filter: 'web'}), special.escape);
  t.deepEqual(tableActions(effects), [{type: 'filter', text: ''}]);
  t.deepEqual(statuses(effects), ['Filter cleared']);
  t.deepEqual(pressKey(given(), special.escape), []);
});

test('list: / opens the filter prompt with the current filter', (t) => {
  const effects = press(given({filter: 'we'}), '/');
  t.deepEqual(screenActions(effects), [{type: 'open', dialog: {kind: 'prompt', purpose: 'filter', value: 'we', history: 0}}]);
  t.deepEqual(tableActions(effects), []);
});

test('list: /web in one chunk opens the prompt and filters as typed', (t) => {
  const {state, effects} = typing(given(), '/web');
  t.deepEqual(state.screen.dialog, {kind: 'prompt', purpose: 'filter', value: 'web', history: 0});
  t.deepEqual(tableActions(effects), [{type: 'filter', text: 'web'}]);
  t.is(state.table.filter, 'web');
  t.deepEqual(
    state.table.list.items.map((item) => item.name),
    ['web1'],
  );
});

test('list: : opens the command line, empty', (t) => {
  t.deepEqual(screenActions(press(given(), ':')), [{type: 'open', dialog: {kind: 'prompt', purpose: 'command', value: '', history: 0}}]);
  t.deepEqual(screenActions(press(given({filter: 'we'}), ':')), [{type: 'open', dialog: {kind: 'prompt', purpose: 'command', value: '', history: 0}}]);
});

test('list: ? opens the help of the list; Ctrl-R refreshes', (t) => {
  t.deepEqual(screenActions(press(given(), '?')), [{type: 'push', view: {kind: 'help', of: 'list'}}]);
  t.deepEqual(pressKey(given(), ctrl('r')), [{type: 'refresh'}]);
});

test('s starts a domain that can start, and explains otherwise', (t) => {
  t.deepEqual(press(given({selected: 'db1'}), 's'), [{type: 'start', name: 'db1'}]);
  t.deepEqual(press(given({selected: 'dead'}), 's'), [{type: 'start', name: 'dead'}], 'a crashed domain starts again');
  t.deepEqual(press(given({selected: 'ghost'}), 's'), [{type: 'start', name: 'ghost'}], 'an orphan is left to the driver');
  t.deepEqual(press(given({selected: 'web1'}), 's'), [{type: 'status', status: {tone: 'info', text: 'web1 is already running'}}]);
  t.deepEqual(statuses(press(given({selected: 'boot'}), 's')), ['boot is already starting (its loader is running) — press c to watch the console']);
  t.deepEqual(statuses(press(given({selected: 'going'}), 's')), ['going is shutting down — wait for it, or press D to power it off now']);
  t.deepEqual(press(given({selected: 'bad'}), 's'), [
    {type: 'status', status: {tone: 'error', text: 'bad cannot start: line 3: <memory> must be a size — e shows the errors, E edits'}},
  ]);
  // Each s of a chunk is an action: the second is the action module's to refuse.
  t.deepEqual(press(given({selected: 'db1'}), 'ss'), [
    {type: 'start', name: 'db1'},
    {type: 'start', name: 'db1'},
  ]);
});

test('t shuts a running domain down, and explains otherwise', (t) => {
  t.deepEqual(press(given({selected: 'web1'}), 't'), [{type: 'shutdown', name: 'web1'}]);
  t.deepEqual(statuses(press(given({selected: 'db1'}), 't')), ['db1 is not running']);
  t.deepEqual(statuses(press(given({selected: 'boot'}), 't')), ['boot is still in its loader, which ignores the power button — D destroys it']);
  t.deepEqual(statuses(press(given({selected: 'going'}), 't')), ['going is already shutting down — D powers it off now']);
  t.deepEqual(statuses(press(given({selected: 'ghost'}), 't')), ['ghost has no bhyve process to shut down — press D to clean it up']);
});

test('D asks first; y destroys, n, Esc or any other key leaves the domain alone', (t) => {
  const asked = typing(given({selected: 'web1'}), 'D');
  t.deepEqual(asked.effects, [{type: 'screen', action: {type: 'open', dialog: {kind: 'confirm', action: {type: 'destroy', name: 'web1'}}}}]);
  const dialog = asked.state;
  t.deepEqual(press(dialog, 'y'), [
    {type: 'screen', action: {type: 'close'}},
    {type: 'destroy', name: 'web1'},
  ]);
  t.deepEqual(outside(press(dialog, 'Y', {shift: true})), [{type: 'destroy', name: 'web1'}]);
  for (const [input, key] of [['n', {}], special.escape, ['x', {}], special.return, ['yes', {ctrl: true}]] as const) {
    const effects = press(dialog, input, key);
    t.deepEqual(screenActions(effects), [{type: 'close'}]);
    t.deepEqual(statuses(effects), ['Left web1 alone']);
    t.deepEqual(outside(effects), []);
  }

  t.is(after(dialog, press(dialog, 'n')).screen.dialog, null);
});

test('keys typed after D in the same chunk do not answer the question', (t) => {
  const {state, effects} = typing(given({selected: 'web1'}), 'Dy');
  t.deepEqual(outside(effects), []);
  t.deepEqual(state.screen.dialog, {kind: 'confirm', action: {type: 'destroy', name: 'web1'}});
});

test('D on a domain that is not running says so; it cleans up an orphan or a crashed one', (t) => {
  t.deepEqual(press(given({selected: 'db1'}), 'D'), [{type: 'status', status: {tone: 'info', text: 'db1 is not running'}}]);
  t.deepEqual(statuses(press(given({selected: 'bad'}), 'D')), ['bad is not running']);
  t.is(screenActions(press(given({selected: 'ghost'}), 'D'))[0]?.type, 'open');
  t.is(screenActions(press(given({selected: 'dead'}), 'D'))[0]?.type, 'open');
  // A refusal does not stop the chunk: Dj refuses, then moves.
  t.deepEqual(
    press(given({selected: 'db1'}), 'Dj').map((effect) => effect.type),
    ['status', 'table'],
  );
});

test('R asks first and reboots on y; only a running domain reboots', (t) => {
  const {state} = typing(given({selected: 'web1'}), 'R');
  t.deepEqual(state.screen.dialog, {kind: 'confirm', action: {type: 'reboot', name: 'web1'}});
  t.deepEqual(outside(press(state, 'y')), [{type: 'reboot', name: 'web1'}]);
  t.deepEqual(statuses(press(state, 'n')), ['Left web1 alone']);
  t.deepEqual(statuses(press(given({selected: 'db1'}), 'R')), ['db1 is shut off; only a running domain can be rebooted']);
  t.deepEqual(statuses(press(given({selected: 'boot'}), 'R')), ['boot is bootloader; only a running domain can be rebooted']);
});

test('U asks for the name; only the exact name undefines', (t) => {
  const asked = typing(given({selected: 'db1'}), 'U');
  t.deepEqual(asked.state.screen.dialog, {kind: 'type-name', name: 'db1', value: ''});
  // Wrong name: an error, and the dialog stays open for a correction.
  const wrong = typing(asked.state, 'db', special.return);
  t.deepEqual(statuses(wrong.effects), ["Type 'db1' exactly to undefine it, or Esc to cancel"]);
  t.deepEqual(tones(wrong.effects), ['error']);
  t.deepEqual(wrong.state.screen.dialog, {kind: 'type-name', name: 'db1', value: 'db'});
  const right = typing(wrong.state, '1', special.return);
  t.deepEqual(outside(right.effects), [{type: 'undefine', name: 'db1'}]);
  t.is(right.state.screen.dialog, null);
  // The name and Enter in one chunk (a paste).
  t.deepEqual(outside(press(asked.state, 'db1\r')), [{type: 'undefine', name: 'db1'}]);
  // Typed-name editing keys.
  t.deepEqual(typing(asked.state, 'db1', special.backspace).state.screen.dialog, {kind: 'type-name', name: 'db1', value: 'db'});
  t.deepEqual(typing(asked.state, 'db1', ctrl('u')).state.screen.dialog, {kind: 'type-name', name: 'db1', value: ''});
  t.deepEqual(typing(asked.state, 'x db1', ctrl('w')).state.screen.dialog, {kind: 'type-name', name: 'db1', value: 'x '});
  t.deepEqual(typing(asked.state, 'db1', ctrl('h')).state.screen.dialog, {kind: 'type-name', name: 'db1', value: 'db'});
  // Esc cancels.
  const cancelled = pressKey(asked.state, special.escape);
  t.deepEqual(screenActions(cancelled), [{type: 'close'}]);
  t.deepEqual(statuses(cancelled), ['Left db1 alone']);
  t.deepEqual(tableActions(cancelled), []);
});

test('U on a domain that is not shut off explains', (t) => {
  t.deepEqual(statuses(press(given({selected: 'web1'}), 'U')), ['web1 is running; shut it down (t) or destroy it (D) before undefining it']);
  t.deepEqual(statuses(press(given({selected: 'ghost'}), 'U')), ['ghost is orphaned; shut it down (t) or destroy it (D) before undefining it']);
  t.is(screenActions(press(given({selected: 'bad'}), 'U'))[0]?.type, 'open', 'an invalid definition can go');
});

test('a toggles autostart', (t) => {
  t.deepEqual(press(given({selected: 'db1'}), 'a'), [{type: 'autostart', name: 'db1', enable: true}]);
  t.deepEqual(press(given({selected: 'auto'}), 'a'), [{type: 'autostart', name: 'auto', enable: false}]);
});

test('c hands a running domain to the console with what to resume; the chunk ends there', (t) => {
  t.deepEqual(press(given({selected: 'web1', filter: 'w'}), 'c'), [{type: 'console', name: 'web1', resume: {filter: 'w', sort: 'name', descending: false}}]);
  t.deepEqual(press(given({selected: 'web1'}), 'cj'), [{type: 'console', name: 'web1', resume: {filter: '', sort: 'name', descending: false}}]);
  t.deepEqual(
    outside(press(given({selected: 'boot'}), 'c')).map((effect) => effect.type),
    ['console'],
    'the loader talks on the console',
  );
  t.deepEqual(
    outside(press(given({selected: 'going'}), 'c')).map((effect) => effect.type),
    ['console'],
  );
  t.deepEqual(press(given({selected: 'db1'}), 'c'), [{type: 'status', status: {tone: 'info', text: 'db1 is not running — press s to start it'}}]);
  t.deepEqual(statuses(press(given({selected: 'ghost'}), 'c')), ['ghost has no bhyve process — press D to clean it up']);
  t.deepEqual(tones(press(given({selected: 'bad'}), 'c')), ['error']);
  // Sorted and reversed before c: the resume state says so.
  const resumed = outside(press(given({selected: 'web1'}), 'oOc'));
  t.deepEqual(resumed, [{type: 'console', name: 'web1', resume: {filter: '', sort: 'state', descending: true}}]);
});

test('E edits the selection; the chunk ends there', (t) => {
  t.deepEqual(press(given({selected: 'db1'}), 'E'), [{type: 'edit', name: 'db1'}]);
  t.deepEqual(press(given({selected: 'db1'}), 'Ej'), [{type: 'edit', name: 'db1'}]);
});

test('K offers to load a missing module, or says why not', (t) => {
  const missing = hostWith([...allModules.slice(0, 3), missingModule('nmdm')]);
  const asked = typing(given({host: missing}), 'K');
  t.deepEqual(asked.state.screen.dialog, {kind: 'confirm', action: {type: 'kldload', module: 'nmdm', label: 'nmdm', persist: 'sysrc kld_list+=nmdm'}});
  t.deepEqual(outside(press(asked.state, 'y')), [{type: 'kldload', module: 'nmdm', label: 'nmdm', persist: 'sysrc kld_list+=nmdm'}]);
  t.deepEqual(statuses(press(asked.state, 'n')), ['nmdm not loaded']);
  t.deepEqual(statuses(press({...asked.state, canLoadModules: false}, 'y')), ['nmdm not loaded']);
  t.deepEqual(statuses(press(given({host: missing, canLoadModules: false}), 'K')), ['Run as root: kldload nmdm; at boot: sysrc kld_list+=nmdm']);
  t.deepEqual(statuses(press(given({host: undefined}), 'K')), ['Still checking the host']);
  t.deepEqual(statuses(press(given(), 'K')), ['Every kernel module bhyve needs is loaded']);
  const failed = hostWith([{name: 'vmm', label: 'vmm', loaded: false, detail: 'failed'}, ...allModules.slice(1)]);
  const refused = press(given({host: failed}), 'K');
  t.deepEqual(statuses(refused), ['vmm failed to start: no hardware virtualization (VT-x/AMD-V); kldload cannot fix that']);
  t.deepEqual(tones(refused), ['error']);
  // No .ko to load: what would install it, not a kldload that can only fail.
  const told = press(given({host: hostWith([...allModules.slice(0, 3), noFileModule('nmdm')])}), 'K');
  t.deepEqual(statuses(told), [
    "nmdm: no nmdm.ko in /boot/kernel;/boot/modules, so kldload cannot load it; install the kernel's modules, or build it: make -C /usr/src/sys/modules/nmdm all install",
  ]);
  t.deepEqual(tones(told), ['error']);
  // Keys after K do not answer.
  t.deepEqual(outside(press(given({host: missing}), 'Ky')), []);
});

test('no target: nothing selected, nothing matches, or the list is still loading', (t) => {
  t.deepEqual(statuses(press(given({domains: []}), 's')), ['No domain selected']);
  t.deepEqual(statuses(press(given({filter: 'zzz'}), 'D')), ['No domain matches the filter']);
  t.deepEqual(statuses(press(given({loaded: false}), 'c')), ['Still loading the domain list']);
  t.deepEqual(statuses(pressKey(given({domains: []}), special.return)), ['No domain selected']);
  // The chunk stops at the first such key.
  t.deepEqual(statuses(press(given({domains: []}), 'ss')), ['No domain selected']);
});

// ---- sub-views -----------------------------------------------------------------------

test('details: scroll keys scroll; pages are one line short of the pager', (t) => {
  const state = given({views: [{kind: 'details', name: 'db1'}], pagerRows: 10});
  t.deepEqual(press(state, 'j'), [{type: 'screen', action: {type: 'scroll', delta: 1}}]);
  t.deepEqual(press(state, 'k'), [{type: 'screen', action: {type: 'scroll', delta: -1}}]);
  t.deepEqual(screenActions(pressKey(state, special.down)), [{type: 'scroll', delta: 1}]);
  t.deepEqual(screenActions(pressKey(state, special.up)), [{type: 'scroll', delta: -1}]);
  t.deepEqual(screenActions(pressKey(state, special.pageDown)), [{type: 'scroll', delta: 9}]);
  t.deepEqual(screenActions(pressKey(state, ctrl('f'))), [{type: 'scroll', delta: 9}]);
  t.deepEqual(screenActions(pressKey(state, special.pageUp)), [{type: 'scroll', delta: -9}]);
  t.deepEqual(screenActions(pressKey(state, ctrl('b'))), [{type: 'scroll', delta: -9}]);
  t.deepEqual(screenActions(pressKey({...state, pagerRows: 1}, special.pageDown)), [{type: 'scroll', delta: 1}]);
  t.deepEqual(screenActions(press(state, 'g')), [{type: 'scroll-to', line: 'top'}]);
  t.deepEqual(screenActions(pressKey(state, special.home)), [{type: 'scroll-to', line: 'top'}]);
  t.deepEqual(screenActions(press(state, 'G')), [{type: 'scroll-to', line: 'bottom'}]);
  t.deepEqual(screenActions(pressKey(state, special.end)), [{type: 'scroll-to', line: 'bottom'}]);
  t.deepEqual(tableActions(press(state, 'jjkG')), []);
});

test('details: the domain keys act on the viewed domain, not the list selection', (t) => {
  const state = given({selected: 'web1', views: [{kind: 'details', name: 'db1'}]});
  t.deepEqual(press(state, 's'), [{type: 'start', name: 'db1'}]);
  t.deepEqual(statuses(press(state, 't')), ['db1 is not running']);
  t.deepEqual(statuses(press(state, 'D')), ['db1 is not running']);
  t.deepEqual(statuses(press(state, 'R')), ['db1 is shut off; only a running domain can be rebooted']);
  t.deepEqual(screenActions(press(state, 'U')), [{type: 'open', dialog: {kind: 'type-name', name: 'db1', value: ''}}]);
  t.deepEqual(press(state, 'a'), [{type: 'autostart', name: 'db1', enable: true}]);
  t.deepEqual(statuses(press(state, 'c')), ['db1 is not running — press s to start it']);
  t.deepEqual(press(state, 'E'), [{type: 'edit', name: 'db1'}]);
  const running = given({selected: 'db1', views: [{kind: 'details', name: 'web1'}]});
  t.deepEqual(screenActions(press(running, 'D')), [{type: 'open', dialog: {kind: 'confirm', action: {type: 'destroy', name: 'web1'}}}]);
  t.deepEqual(press(running, 't'), [{type: 'shutdown', name: 'web1'}]);
});

test('details: e and l replace the view; c keeps it to resume after the console', (t) => {
  const state = given({views: [{kind: 'details', name: 'web1'}]});
  t.deepEqual(screenActions(press(state, 'e')), [{type: 'replace', view: {kind: 'errors', name: 'web1'}}]);
  t.deepEqual(screenActions(press(state, 'l')), [{type: 'replace', view: {kind: 'log', name: 'web1'}}]);
  t.deepEqual(press(state, 'c'), [
    {type: 'console', name: 'web1', resume: {filter: '', sort: 'name', descending: false, view: {kind: 'details', name: 'web1'}}},
  ]);
  t.deepEqual(press(given({views: [{kind: 'details', name: 'web1'}]}), '\r'), [], 'Enter is not bound in details');
});

test('details, errors, log, output: :, ? and Ctrl-R work as in the list', (t) => {
  for (const pushed of [
    {kind: 'details', name: 'web1'},
    {kind: 'errors', name: 'web1'},
    {kind: 'log', name: 'web1'},
    {kind: 'output', title: ':dumpxml', text: 'x'},
  ] as View[]) {
    const state = given({views: [pushed]});
    t.deepEqual(screenActions(press(state, ':')), [{type: 'open', dialog: {kind: 'prompt', purpose: 'command', value: '', history: 0}}], pushed.kind);
    t.deepEqual(screenActions(press(state, '?')), [{type: 'push', view: {kind: 'help', of: pushed.kind}}], pushed.kind);
    t.deepEqual(pressKey(state, ctrl('r')), [{type: 'refresh'}], pushed.kind);
  }
});

test('Esc and q pop every sub-view back to the one below', (t) => {
  for (const pushed of [
    {kind: 'details', name: 'web1'},
    {kind: 'errors', name: 'web1'},
    {kind: 'log', name: 'web1'},
    {kind: 'output', title: ':x', text: 'x'},
    {kind: 'help', of: 'list'},
  ] as View[]) {
    const state = given({views: [pushed]});
    t.deepEqual(pressKey(state, special.escape), [{type: 'screen', action: {type: 'pop'}}], pushed.kind);
    t.deepEqual(press(state, 'q'), [{type: 'screen', action: {type: 'pop'}}], pushed.kind);
    t.is(view(after(state, press(state, 'q'))).kind, 'list');
  }

  // Two levels: q pops one, and the chunk ends there.
  const deep = given({
    views: [
      {kind: 'details', name: 'web1'},
      {kind: 'log', name: 'web1'},
    ],
  });
  t.deepEqual(view(typing(deep, 'qq').state), {kind: 'details', name: 'web1'});
  t.deepEqual(view(typing(deep, 'q', 'q').state), {kind: 'list'});
});

test('a view of a domain that is gone: the views still open, actions are refused', (t) => {
  const state = given({views: [{kind: 'details', name: 'gone'}]});
  t.deepEqual(press(state, 's'), [{type: 'status', status: {tone: 'error', text: "No domain named 'gone' any more"}}]);
  t.deepEqual(statuses(press(state, 'c')), ["No domain named 'gone' any more"]);
  t.deepEqual(screenActions(press(state, 'l')), [{type: 'replace', view: {kind: 'log', name: 'gone'}}]);
  t.deepEqual(screenActions(press(state, 'e')), [{type: 'replace', view: {kind: 'errors', name: 'gone'}}]);
  t.deepEqual(press(state, 'E'), [{type: 'edit', name: 'gone'}]);
});

test('errors: E edits, s starts, l and Enter switch views, K loads a module, scrolling', (t) => {
  const state = given({views: [{kind: 'errors', name: 'db1'}], host: hostWith([missingModule('vmm'), ...allModules.slice(1)])});
  t.deepEqual(press(state, 'E'), [{type: 'edit', name: 'db1'}]);
  t.deepEqual(press(state, 's'), [{type: 'start', name: 'db1'}]);
  t.deepEqual(screenActions(press(state, 'l')), [{type: 'replace', view: {kind: 'log', name: 'db1'}}]);
  t.deepEqual(screenActions(pressKey(state, special.return)), [{type: 'replace', view: {kind: 'details', name: 'db1'}}]);
  t.deepEqual(screenActions(press(state, 'K')), [
    {type: 'open', dialog: {kind: 'confirm', action: {type: 'kldload', module: 'vmm', label: 'vmm', persist: 'sysrc kld_list+=vmm'}}},
  ]);
  t.deepEqual(screenActions(press(state, 'j')), [{type: 'scroll', delta: 1}]);
  t.deepEqual(statuses(press(given({views: [{kind: 'errors', name: 'bad'}]}), 's')), [
    'bad cannot start: line 3: <memory> must be a size — e shows the errors, E edits',
  ]);
  t.deepEqual(press(state, 'D'), [], 'D is not bound in the errors view');
});

test('log: G goes to the bottom (and follows), e opens the errors, c the console', (t) => {
  const state = given({views: [{kind: 'log', name: 'web1'}]});
  t.deepEqual(screenActions(press(state, 'G')), [{type: 'scroll-to', line: 'bottom'}]);
  const scrolled = typing(state, 'k').state;
  t.false(topEntry(scrolled.screen).follow);
  t.true(topEntry(typing(scrolled, 'G').state.screen).follow);
  t.deepEqual(screenActions(press(state, 'k')), [{type: 'scroll', delta: -1}]);
  t.deepEqual(screenActions(press(state, 'e')), [{type: 'replace', view: {kind: 'errors', name: 'web1'}}]);
  t.deepEqual(press(state, 'c'), [{type: 'console', name: 'web1', resume: {filter: '', sort: 'name', descending: false, view: {kind: 'log', name: 'web1'}}}]);
  t.deepEqual(press(state, 's'), [], 's is not bound in the log view');
});

test("help: scrolls; ?, q and Esc close it; the help of a view is that view's", (t) => {
  const state = given({
    views: [
      {kind: 'details', name: 'web1'},
      {kind: 'help', of: 'details'},
    ],
  });
  t.deepEqual(screenActions(press(state, 'j')), [{type: 'scroll', delta: 1}]);
  t.deepEqual(screenActions(pressKey(state, special.pageDown)), [{type: 'scroll', delta: 9}]);
  t.deepEqual(screenActions(press(state, 'G')), [{type: 'scroll-to', line: 'bottom'}]);
  for (const trigger of [['?', {}], ['q', {}], special.escape] as const) {
    const effects = pressKey(state, trigger);
    t.deepEqual(effects, [{type: 'screen', action: {type: 'pop'}}]);
    t.deepEqual(view(after(state, effects)), {kind: 'details', name: 'web1'});
  }

  t.deepEqual(press(state, 's'), []);
  t.deepEqual(press(state, ':'), []);
});

test('output: scrolls and goes back', (t) => {
  const state = given({views: [{kind: 'output', title: ':dumpxml web1', text: '<domain/>\n'}]});
  t.deepEqual(screenActions(press(state, 'jG')), [
    {type: 'scroll', delta: 1},
    {type: 'scroll-to', line: 'bottom'},
  ]);
  t.deepEqual(press(state, 's'), []);
});

test('edit-failed: r and E re-edit, d discards, Esc and q keep the draft', (t) => {
  const failed: View = {kind: 'edit-failed', name: 'web1', message: 'bad XML', savedAt: '/var/db/bhyve-tui/edits/web1.xml'};
  const drafts = new Map([['web1', {savedAt: '/var/db/bhyve-tui/edits/web1.xml'}]]);
  const state = given({views: [failed], drafts});
  for (const key of ['r', 'E']) {
    t.deepEqual(
      press(state, key),
      [
        {type: 'screen', action: {type: 'pop'}},
        {type: 'edit', name: 'web1'},
      ],
      key,
    );
  }

  t.deepEqual(press(state, 'd'), [
    {type: 'screen', action: {type: 'pop'}},
    {type: 'discard-edit', name: 'web1'},
    {type: 'status', status: {tone: 'info', text: 'Discarded your edit of web1; its definition is as it was'}},
  ]);
  for (const trigger of [['q', {}], special.escape] as const) {
    t.deepEqual(pressKey(state, trigger), [
      {type: 'status', status: {tone: 'info', text: 'Your edit of web1 is kept in /var/db/bhyve-tui/edits/web1.xml; E on web1 resumes it'}},
      {type: 'screen', action: {type: 'pop'}},
    ]);
  }

  // Kept in memory only: no file named.
  t.deepEqual(statuses(press(given({views: [{kind: 'edit-failed', name: 'web1', message: 'bad XML'}], drafts: new Map([['web1', {}]])}), 'q')), [
    'Your edit of web1 is kept; E on web1 resumes it',
  ]);
  t.deepEqual(screenActions(press(state, 'j')), [{type: 'scroll', delta: 1}]);
  t.deepEqual(screenActions(pressKey(state, special.pageUp)), [{type: 'scroll', delta: -9}]);
  t.deepEqual(
    press(state, 'rd'),
    [
      {type: 'screen', action: {type: 'pop'}},
      {type: 'edit', name: 'web1'},
    ],
    'the chunk ends at r',
  );
  t.deepEqual(press(state, 's'), []);
});

// ---- the filter prompt -----------------------------------------------------------------

test('filter prompt: typing, erasing and Ctrl-U filter the list as they go', (t) => {
  const open = typing(given(), '/').state;
  let now = typing(open, 'w', 'e').state;
  t.is(now.table.filter, 'we');
  now = typing(now, special.backspace).state;
  t.is(now.table.filter, 'w');
  now = typing(now, 'eb1 x', ctrl('w')).state;
  t.is(now.table.filter, 'web1 ');
  now = typing(now, ctrl('u')).state;
  t.is(now.table.filter, '');
  t.deepEqual(now.screen.dialog, {kind: 'prompt', purpose: 'filter', value: '', history: 0});
  // Each edit sends the prompt's value to the table.
  t.deepEqual(tableActions(press(open, 'ab')), [{type: 'filter', text: 'ab'}]);
  t.deepEqual(tableActions(pressKey(typing(open, 'ab').state, special.backspace)), [{type: 'filter', text: 'a'}]);
});

test('filter prompt: Enter keeps the filter, Esc clears it', (t) => {
  const typed = typing(given(), '/web').state;
  const kept = typing(typed, special.return);
  t.deepEqual(screenActions(kept.effects), [{type: 'close'}]);
  t.deepEqual(tableActions(kept.effects), [{type: 'filter', text: 'web'}]);
  t.is(kept.state.screen.dialog, null);
  t.is(kept.state.table.filter, 'web');
  t.deepEqual(statuses(kept.effects), []);
  const cleared = typing(typed, special.escape);
  t.deepEqual(screenActions(cleared.effects), [{type: 'close'}]);
  t.deepEqual(tableActions(cleared.effects), [{type: 'filter', text: ''}]);
  t.is(cleared.state.table.filter, '');
  t.deepEqual(statuses(cleared.effects), []);
  // Reopened, it holds the kept filter.
  t.deepEqual(typing(kept.state, '/').state.screen.dialog, {kind: 'prompt', purpose: 'filter', value: 'web', history: 0});
});

test('filter prompt: text, Enter and more keys in one chunk: the keys after Enter are dropped', (t) => {
  const {state, effects} = typing(given(), '/db\rj');
  t.is(state.screen.dialog, null);
  t.is(state.table.filter, 'db');
  t.deepEqual(tableActions(effects), [
    {type: 'filter', text: 'db'},
    {type: 'filter', text: 'db'},
  ]);
});

test('filter prompt: list keys are text; Tab and the arrows change nothing; Ctrl-C quits', (t) => {
  const open = typing(given(), '/').state;
  t.deepEqual(typing(open, 'sDq').state.screen.dialog, {kind: 'prompt', purpose: 'filter', value: 'sDq', history: 0});
  t.deepEqual(outside(press(open, 'sDq')), []);
  t.deepEqual(typing(open, special.tab).state.screen.dialog, open.screen.dialog);
  t.deepEqual(typing(open, special.up).state.screen.dialog, open.screen.dialog);
  t.deepEqual(press(open, '', {leftArrow: true}), []);
  t.deepEqual(pressKey(open, ctrl('c')), [{type: 'quit'}]);
});

// ---- the command line ------------------------------------------------------------------

test(': runs CLI verbs with the selected domain filled in and remembers the line', (t) => {
  const open = typing(given({selected: 'db1'}), ':').state;
  const run = typing(open, 'start', special.return);
  t.deepEqual(run.effects.slice(-3), [
    {type: 'screen', action: {type: 'close'}},
    {type: 'screen', action: {type: 'remember', command: 'start'}},
    {type: 'run-cli', argv: ['start', 'db1']},
  ]);
  t.deepEqual(run.state.screen.history, ['start']);
  t.deepEqual(outside(press(open, 'start web1\r')), [{type: 'run-cli', argv: ['start', 'web1']}]);
  t.deepEqual(outside(press(open, 'dumpxml "my vm"\r')), [{type: 'run-cli', argv: ['dumpxml', 'my vm']}]);
  t.deepEqual(outside(press(open, 'list --all\r')), [{type: 'run-cli', argv: ['list', '--all']}]);
  // All in one chunk from the list.
  t.deepEqual(outside(press(given(), ':shutdown web1\rjj')), [{type: 'run-cli', argv: ['shutdown', 'web1']}]);
  // In a view, the viewed domain is the default.
  t.deepEqual(outside(press(given({views: [{kind: 'details', name: 'auto'}]}), ':start\r')), [{type: 'run-cli', argv: ['start', 'auto']}]);
});

test(': an empty line closes the prompt and runs nothing; Esc cancels', (t) => {
  const open = typing(given(), ':').state;
  t.deepEqual(pressKey(typing(open, '   ').state, special.return), [{type: 'screen', action: {type: 'close'}}]);
  const cancelled = pressKey(typing(open, 'start').state, special.escape);
  t.deepEqual(cancelled, [{type: 'screen', action: {type: 'close'}}]);
});

test(": the TUI's own verbs: quit, help, filter, sort", (t) => {
  const open = typing(given(), ':').state;
  t.deepEqual(outside(press(open, 'q\r')), [{type: 'quit'}]);
  t.deepEqual(outside(press(open, 'exit\r')), [{type: 'quit'}]);
  t.deepEqual(screenActions(press(open, 'help\r')).at(-1), {type: 'push', view: {kind: 'help', of: 'list'}});
  const inLog = typing(given({views: [{kind: 'log', name: 'web1'}]}), ':').state;
  t.deepEqual(screenActions(press(inLog, '?\r')).at(-1), {type: 'push', view: {kind: 'help', of: 'log'}});
  const filtered = typing(inLog, 'filter web\r');
  t.deepEqual(tableActions(filtered.effects), [{type: 'filter', text: 'web'}]);
  t.deepEqual(view(filtered.state), {kind: 'list'}, ':filter goes back to the list');
  t.deepEqual(statuses(press(open, 'sort\r')), ['Sorted by state']);
  t.deepEqual(statuses(press(open, 'sort memory\r')), ['Sorted by memory']);
  t.deepEqual(tableActions(press(open, 'sort memory\r')), [{type: 'sort', key: 'memory'}]);
  const bad = press(open, 'sort size\r');
  t.deepEqual(statuses(bad), ['sort: one of name, state, memory']);
  t.deepEqual(tones(bad), ['error']);
  t.deepEqual(tableActions(bad), []);
});

test(': details, errors, log open views; edit and console act; unknown names are refused', (t) => {
  const open = typing(given({selected: 'db1'}), ':').state;
  t.deepEqual(screenActions(press(open, 'details web1\r')).at(-1), {type: 'push', view: {kind: 'details', name: 'web1'}});
  t.deepEqual(screenActions(press(open, 'dominfo\r')).at(-1), {type: 'push', view: {kind: 'details', name: 'db1'}});
  t.deepEqual(screenActions(press(open, 'validate\r')).at(-1), {type: 'push', view: {kind: 'errors', name: 'db1'}});
  t.deepEqual(screenActions(press(open, 'log web1\r')).at(-1), {type: 'push', view: {kind: 'log', name: 'web1'}});
  const inDetails = typing(given({views: [{kind: 'details', name: 'web1'}]}), ':').state;
  t.deepEqual(screenActions(press(inDetails, 'log\r')).at(-1), {type: 'replace', view: {kind: 'log', name: 'web1'}});
  t.deepEqual(outside(press(open, 'edit\r')), [{type: 'edit', name: 'db1'}]);
  t.deepEqual(outside(press(open, 'edit newvm\r')), [{type: 'edit', name: 'newvm'}], 'edit may name a domain not listed');
  t.deepEqual(outside(press(open, 'console web1\r')), [{type: 'console', name: 'web1', resume: {filter: '', sort: 'name', descending: false}}]);
  t.deepEqual(statuses(press(open, 'console\r')), ['db1 is not running — press s to start it']);
  t.deepEqual(statuses(press(open, 'errors nosuch\r')), ["No domain named 'nosuch'"]);
  t.deepEqual(statuses(press(open, 'console nosuch\r')), ["No domain named 'nosuch'"]);
  const nothing = typing(given({domains: []}), ':').state;
  t.deepEqual(statuses(press(nothing, 'details\r')), ['details: which domain? e.g. :details web1']);
  t.deepEqual(tones(press(nothing, 'details\r')), ['error']);
});

test(': Tab completes verbs and domain names; the arrows walk the history', (t) => {
  const open = typing(given(), ':').state;
  t.deepEqual(typing(open, 'shut', special.tab).state.screen.dialog, {kind: 'prompt', purpose: 'command', value: 'shutdown ', history: 0});
  t.deepEqual(typing(open, 'start we', special.tab).state.screen.dialog, {kind: 'prompt', purpose: 'command', value: 'start web1 ', history: 0});
  t.deepEqual(
    typing(open, 'start g', special.tab).state.screen.dialog,
    {kind: 'prompt', purpose: 'command', value: 'start g', history: 0},
    'ghost or going: no common prefix past g',
  );
  const remembered = typing(given({history: ['start web1', 'log db1']}), ':').state;
  const back = typing(remembered, special.up);
  t.deepEqual(back.state.screen.dialog, {kind: 'prompt', purpose: 'command', value: 'log db1', history: 1});
  t.deepEqual(typing(back.state, special.up).state.screen.dialog, {kind: 'prompt', purpose: 'command', value: 'start web1', history: 2});
  t.deepEqual(typing(back.state, special.down).state.screen.dialog, {kind: 'prompt', purpose: 'command', value: '', history: 0});
  t.deepEqual(outside(pressKey(back.state, special.return)), [], "log is the TUI's own verb");
  t.deepEqual(screenActions(pressKey(back.state, special.return)).at(-1), {type: 'push', view: {kind: 'log', name: 'db1'}});
});

test('dispatchKey is pure: the state it is given is left as it was, and the same keys give the same effects', (t) => {
  const state = given({selected: 'auto', views: [], history: ['start web1']});
  const before = JSON.stringify({screen: state.screen, table: state.table});
  const first = press(state, 'jjo/we\r');
  t.is(JSON.stringify({screen: state.screen, table: state.table}), before);
  t.deepEqual(press(state, 'jjo/we\r'), first);
  t.is(typing(state, ':start\r').state.screen.history.length, 2);
  t.is(state.screen.history.length, 1);
});
