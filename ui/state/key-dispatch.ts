// What a chunk of input means, as a pure function: the App's one key handler calls
// dispatchKey with a snapshot of what it needs and runs the effects it returns, in order.
// Effects are plain data (a store action, a status, `start web1`, `quit`), so every key of
// every view and dialog is testable without rendering. A chunk can hold several keys (`jjj`,
// `/web` typed fast, a paste): each key sees the state the earlier ones left, so the store
// actions are also applied here, to a copy. The table's are applied only when a later key
// reads the table, so typing a filter filters the rows once (in the store), not twice.
// With several hosts, every effect on a domain carries the domain's host (`host`); with one
// host it is absent and the App uses its one connection.
import type {Key} from 'ink';
import type {HostStatus} from '../../driver/client/connection.js';
import {complete, domainArgument, parseArgv, uiVerbs, withDefaultDomain} from '../app/command-line.js';
import {answerFor} from '../components/ConfirmDialog.js';
import {loadableModule, moduleCondition, noFileText} from '../text/host-lines.js';
import {consoleRefusal, destroyRefusal, rebootRefusal, shutdownRefusal, startRefusal, undefineRefusal, type Refusal} from './domain-rules.js';
import {
  domainKey,
  findDomain,
  isHostRow,
  type ListedDomain,
  selectedRow,
  sortKeys,
  tableReducer,
  type SortKey,
  type TableAction,
  type TableState,
} from './domain-table-state.js';
import {commandsFor, isInterrupt, type Command} from './keymap.js';
import {promptEdits} from './prompt-input.js';
import {screenReducer, topEntry, type ConfirmAction, type Dialog, type ScreenAction, type ScreenState, type View} from './screen-state.js';
import {infoStatus, type Status} from './status.js';

/** The parts of the screen that survive a round trip through the console. */
export interface ResumeState {
  filter: string;
  sort: SortKey;
  descending: boolean;
  /** the view that was open (details, errors, log of a domain), if not the list */
  view?: View;
}

/** What dispatchKey reads: the stores' states and a few facts from the App. */
export interface KeyState {
  screen: ScreenState;
  table: TableState;
  /** the last host status, if any arrived yet (one host) */
  host: HostStatus | undefined;
  /** several hosts: the last status of the named host, if it is connected and answered */
  hostStatus?: (host: string) => HostStatus | undefined;
  /** rows a pager view shows (PgUp/PgDn scroll by one less) */
  pagerRows: number;
  /** the bootstrap can kldload (AppProps.loadModule); without it K tells the command to run */
  canLoadModules: boolean;
  /** edits that did not validate, kept per domain (domainKey), and where each was saved */
  drafts: ReadonlyMap<string, {readonly savedAt?: string | undefined}>;
  /** quit or the console was asked for: nothing more is handled */
  leaving: boolean;
  /** the editor owns the terminal */
  editing: boolean;
}

/** An action on a domain or the host that calls the Connection (see use-domain-actions). */
export type DomainAction =
  | {type: 'start' | 'shutdown' | 'destroy' | 'reboot' | 'undefine'; name: string; host?: string}
  | {type: 'autostart'; name: string; enable: boolean; host?: string}
  | Extract<ConfirmAction, {type: 'kldload'}>;

export type Effect =
  | {type: 'screen'; action: ScreenAction}
  | {type: 'table'; action: TableAction}
  | {type: 'status'; status: Status}
  | {type: 'quit'}
  /** the bootstrap runs the console; `resume` restores the screen afterwards */
  | {type: 'console'; name: string; resume: ResumeState; host?: string}
  /** `E`: edit the domain's XML (or resume the kept edit) */
  | {type: 'edit'; name: string; host?: string}
  /** drop the kept edit of a domain */
  | {type: 'discard-edit'; name: string; host?: string}
  | {type: 'refresh'}
  /** a `:` verb that is not the TUI's own, with the selected domain filled in; runs on `host` */
  | {type: 'run-cli'; argv: string[]; host?: string}
  | DomainAction;

/** One dispatch: the state as the keys so far left it, and the effects so far. */
interface Run {
  readonly state: KeyState;
  screen: ScreenState;
  table: TableState;
  /** table actions not yet applied to `table` */
  tableQueue: TableAction[];
  effects: Effect[];
}

const noKey: Key = {
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

/** `value`, with `host` when there is one (several hosts). */
function onHost<T extends object>(value: T, host: string | undefined): T & {host?: string} {
  return host === undefined ? value : {...value, host};
}

function tableOf(run: Run): TableState {
  if (run.tableQueue.length > 0) {
    run.table = run.tableQueue.reduce(tableReducer, run.table);
    run.tableQueue = [];
  }

  return run.table;
}

function toScreen(run: Run, action: ScreenAction): void {
  run.screen = screenReducer(run.screen, action);
  run.effects.push({type: 'screen', action});
}

function toTable(run: Run, action: TableAction): void {
  run.tableQueue.push(action);
  run.effects.push({type: 'table', action});
}

function say(run: Run, status: Status): void {
  run.effects.push({type: 'status', status});
}

function refuse(run: Run, refusal: Refusal): void {
  say(run, {tone: refusal.error === true ? 'error' : 'info', text: refusal.text});
}

/** Filter, sort and the open view of a domain, for the screen after the console. */
function resumeState(screen: ScreenState, table: TableState): ResumeState {
  const view = topEntry(screen).view;
  const keep = view.kind === 'details' || view.kind === 'errors' || view.kind === 'log';
  return {filter: table.filter, sort: table.sort, descending: table.descending, ...(keep ? {view} : {})};
}

function toConsole(run: Run, name: string, host: string | undefined): void {
  run.effects.push(onHost({type: 'console', name, resume: resumeState(run.screen, tableOf(run))}, host));
}

/** The host a command acts on (several hosts): the selected row's, or the open view's. */
function targetHost(run: Run): string | undefined {
  const view = topEntry(run.screen).view;
  if (view.kind === 'list') {
    return selectedRow(tableOf(run))?.host;
  }

  return 'host' in view ? view.host : undefined;
}

/** The domain a command acts on: the list's selection, or the domain of the open view (its name when it is gone). */
function target(run: Run): ListedDomain | string | undefined {
  const view = topEntry(run.screen).view;
  const table = tableOf(run);
  if (view.kind === 'list') {
    const row = selectedRow(table);
    return isHostRow(row) ? undefined : row;
  }

  if ('name' in view) {
    return findDomain(table, view.name, 'host' in view ? view.host : undefined) ?? view.name;
  }

  return undefined;
}

type DomainCommand = 'start' | 'shutdown' | 'destroy' | 'reboot' | 'undefine' | 'autostart' | 'console' | 'edit' | 'log' | 'errors' | 'details';

/** A command on the target domain; false stops the rest of the chunk. */
function act(run: Run, type: DomainCommand): boolean {
  const found = target(run);
  const host = targetHost(run);
  if (found === undefined) {
    const table = tableOf(run);
    const row = selectedRow(table);
    say(
      run,
      infoStatus(
        isHostRow(row)
          ? `${row.host} is a host: select one of its domains`
          : table.list.loaded
            ? table.filter === ''
              ? 'No domain selected'
              : 'No domain matches the filter'
            : 'Still loading the domain list',
      ),
    );
    return false;
  }

  const name = typeof found === 'string' ? found : found.name;
  if (typeof found === 'string' && type !== 'log' && type !== 'errors' && type !== 'details' && type !== 'edit') {
    say(run, {tone: 'error', text: `No domain named '${name}' any more`});
    return false;
  }

  switch (type) {
    case 'details':
    case 'errors':
    case 'log': {
      const view = topEntry(run.screen).view;
      toScreen(run, {type: view.kind === 'list' ? 'push' : 'replace', view: onHost({kind: type, name}, host)});
      return true;
    }

    case 'edit': {
      run.effects.push(onHost({type: 'edit', name}, host));
      return false;
    }

    default: {
      break;
    }
  }

  if (typeof found === 'string') {
    return false;
  }

  const domain = found;
  switch (type) {
    case 'start':
    case 'shutdown': {
      const refusal = type === 'start' ? startRefusal(domain) : shutdownRefusal(domain);
      if (refusal === undefined) {
        run.effects.push(onHost({type, name}, host));
      } else {
        refuse(run, refusal);
      }

      return true;
    }

    case 'destroy':
    case 'reboot': {
      const refusal = type === 'destroy' ? destroyRefusal(domain) : rebootRefusal(domain);
      if (refusal !== undefined) {
        refuse(run, refusal);
        return true;
      }

      toScreen(run, {type: 'open', dialog: {kind: 'confirm', action: onHost({type, name}, host)}});
      // Keys typed after D in the same chunk must not answer the question.
      return false;
    }

    case 'undefine': {
      const refusal = undefineRefusal(domain);
      if (refusal !== undefined) {
        refuse(run, refusal);
        return true;
      }

      toScreen(run, {type: 'open', dialog: onHost({kind: 'type-name', name, value: ''}, host)});
      return false;
    }

    case 'autostart': {
      run.effects.push(onHost({type: 'autostart', name, enable: !domain.autostart}, host));
      return true;
    }

    case 'console': {
      const refusal = consoleRefusal(domain);
      if (refusal !== undefined) {
        refuse(run, refusal);
        return true;
      }

      toConsole(run, name, host);
      return false;
    }
  }
}

function askKldload(run: Run): void {
  const on = run.state.hostStatus === undefined ? undefined : targetHost(run);
  const host = on === undefined ? run.state.host : run.state.hostStatus?.(on);
  if (host === undefined) {
    say(run, infoStatus(on === undefined ? 'Still checking the host' : `Still checking ${on}`));
    return;
  }

  const module = loadableModule(host);
  if (module === undefined) {
    const noFile = host.modules.find((candidate) => moduleCondition(candidate) === 'no file');
    if (noFile !== undefined) {
      say(run, {tone: 'error', text: `${noFile.label}: ${noFileText(noFile)}, so kldload cannot load it; ${noFile.fix ?? ''}`});
      return;
    }
    const failed = host.modules.find((candidate) => moduleCondition(candidate) === 'failed');
    say(
      run,
      failed === undefined
        ? infoStatus('Every kernel module bhyve needs is loaded')
        : {tone: 'error', text: `${failed.label} failed to start: no hardware virtualization (VT-x/AMD-V); kldload cannot fix that`},
    );
    return;
  }

  if (!run.state.canLoadModules) {
    say(run, infoStatus(`Run as root: ${module.fix ?? `kldload ${module.name}`}; at boot: ${module.persist ?? `sysrc kld_list+=${module.name}`}`));
    return;
  }

  toScreen(run, {
    type: 'open',
    dialog: {
      kind: 'confirm',
      action: onHost({type: 'kldload', module: module.name, label: module.label, ...(module.persist === undefined ? {} : {persist: module.persist})}, on),
    },
  });
}

/** y/N: the answer closes the dialog and acts or leaves things alone. */
function answer(run: Run, action: ConfirmAction, yes: boolean): void {
  toScreen(run, {type: 'close'});
  if (action.type === 'kldload') {
    if (yes && run.state.canLoadModules) {
      run.effects.push(action);
    } else {
      say(run, infoStatus(`${action.label} not loaded`));
    }

    return;
  }

  if (yes) {
    run.effects.push(onHost({type: action.type, name: action.name}, action.host));
  } else {
    say(run, infoStatus(`Left ${action.name} alone`));
  }
}

/** A line typed at the `:` prompt: the TUI's own verbs act here, the rest go to the CLI runner. */
function commandLine(run: Run, line: string): void {
  const argv = parseArgv(line);
  const [verb] = argv;
  if (verb === undefined) {
    return;
  }

  toScreen(run, {type: 'remember', command: line});
  const current = target(run);
  const host = targetHost(run);
  const selected = current === undefined ? undefined : typeof current === 'string' ? current : current.name;
  const full = withDefaultDomain(argv, selected);
  const ui = Object.hasOwn(uiVerbs, verb) ? uiVerbs[verb] : undefined; // not Object's own names (`:constructor`)
  if (ui === undefined) {
    run.effects.push(onHost({type: 'run-cli', argv: full}, host));
    return;
  }

  switch (ui) {
    case 'quit': {
      run.effects.push({type: 'quit'});
      return;
    }

    case 'help': {
      toScreen(run, {type: 'push', view: {kind: 'help', of: topEntry(run.screen).view.kind}});
      return;
    }

    case 'filter': {
      toTable(run, {type: 'filter', text: argv.slice(1).join(' ')});
      toScreen(run, {type: 'home'});
      return;
    }

    case 'sort': {
      const key = argv[1] as SortKey | undefined;
      if (key !== undefined && !sortKeys.includes(key)) {
        say(run, {tone: 'error', text: `sort: one of ${sortKeys.join(', ')}`});
        return;
      }

      toTable(run, key === undefined ? {type: 'sort'} : {type: 'sort', key});
      say(run, infoStatus(`Sorted by ${tableOf(run).sort}`));
      return;
    }

    default: {
      break;
    }
  }

  const name = domainArgument(full);
  if (name === undefined) {
    say(run, {tone: 'error', text: `${verb}: which domain? e.g. :${verb} web1`});
    return;
  }

  const domain = findDomain(tableOf(run), name, host);
  if (domain === undefined && ui !== 'edit') {
    say(run, {tone: 'error', text: host === undefined ? `No domain named '${name}'` : `No domain named '${name}' on ${host}`});
    return;
  }

  if (ui === 'edit') {
    run.effects.push(onHost({type: 'edit', name}, host));
    return;
  }

  if (ui === 'console') {
    const refusal = domain === undefined ? undefined : consoleRefusal(domain);
    if (refusal === undefined) {
      toConsole(run, name, host);
    } else {
      refuse(run, refusal);
    }

    return;
  }

  const view = topEntry(run.screen).view;
  toScreen(run, {type: view.kind === 'list' ? 'push' : 'replace', view: onHost({kind: ui, name}, host)});
}

/** Keys in a prompt (`/`, `:`) or the typed-name dialog (undefine). */
function promptKey(run: Run, dialog: Extract<Dialog, {kind: 'prompt' | 'type-name'}>, input: string, key: Key): void {
  for (const edit of promptEdits(input, key)) {
    const now = run.screen.dialog;
    if (now === null || now.kind === 'confirm') {
      return;
    }

    switch (edit.type) {
      case 'text': {
        toScreen(run, {type: 'prompt-input', text: edit.text});
        break;
      }

      case 'erase': {
        toScreen(run, {type: 'prompt-erase', what: edit.what});
        break;
      }

      case 'history': {
        toScreen(run, {type: 'prompt-history', direction: edit.direction});
        break;
      }

      case 'complete': {
        if (now.kind === 'prompt' && now.purpose === 'command') {
          const completed = complete(
            now.value,
            tableOf(run).all.map((domain) => domain.name),
          );
          toScreen(run, {type: 'prompt-erase', what: 'all'});
          toScreen(run, {type: 'prompt-input', text: completed});
        }

        break;
      }

      case 'escape': {
        toScreen(run, {type: 'close'});
        if (now.kind === 'prompt' && now.purpose === 'filter') {
          toTable(run, {type: 'filter', text: ''});
        } else if (now.kind === 'type-name') {
          say(run, infoStatus(`Left ${now.name} alone`));
        }

        return;
      }

      case 'enter': {
        if (now.kind === 'type-name') {
          if (now.value !== now.name) {
            say(run, {tone: 'error', text: `Type '${now.name}' exactly to undefine it, or Esc to cancel`});
            break;
          }

          toScreen(run, {type: 'close'});
          run.effects.push(onHost({type: 'undefine', name: now.name}, now.host));
          return;
        }

        toScreen(run, {type: 'close'});
        if (now.purpose === 'command') {
          commandLine(run, now.value);
          return;
        }

        break;
      }
    }

    if (dialog.kind === 'prompt' && dialog.purpose === 'filter') {
      // The list filters as the operator types.
      const after = run.screen.dialog;
      toTable(run, {type: 'filter', text: after?.kind === 'prompt' ? after.value : now.value});
    }
  }
}

function openPrompt(run: Run, purpose: 'filter' | 'command', rest: string): void {
  const value = purpose === 'filter' ? tableOf(run).filter : '';
  toScreen(run, {type: 'open', dialog: {kind: 'prompt', purpose, value, history: 0}});
  const dialog = run.screen.dialog;
  if (rest !== '' && dialog?.kind === 'prompt') {
    // `/web` in one chunk: the rest of it is typed into the prompt.
    promptKey(run, dialog, rest, noKey);
  }
}

/** Applies one command of the keymap; false stops the rest of the input chunk. */
function runCommand(run: Run, command: Command, rest: string): boolean {
  const entry = topEntry(run.screen);
  const inList = entry.view.kind === 'list';
  switch (command.type) {
    case 'move':
    case 'page':
    case 'first':
    case 'last': {
      if (inList) {
        toTable(run, command);
      } else if (command.type === 'move') {
        toScreen(run, {type: 'scroll', delta: command.delta});
      } else if (command.type === 'page') {
        toScreen(run, {type: 'scroll', delta: command.direction * Math.max(1, run.state.pagerRows - 1)});
      } else {
        toScreen(run, {type: 'scroll-to', line: command.type === 'first' ? 'top' : 'bottom'});
      }

      return true;
    }

    case 'filter':
    case 'command-line': {
      openPrompt(run, command.type === 'filter' ? 'filter' : 'command', rest);
      return false;
    }

    case 'clear-filter': {
      if (tableOf(run).filter !== '') {
        toTable(run, {type: 'filter', text: ''});
        say(run, infoStatus('Filter cleared'));
      }

      return true;
    }

    case 'sort':
    case 'reverse': {
      toTable(run, {type: command.type});
      const now = tableOf(run);
      say(run, infoStatus(`Sorted by ${now.sort}${now.descending ? ', reversed' : ''}`));
      return true;
    }

    case 'help': {
      toScreen(run, entry.view.kind === 'help' ? {type: 'pop'} : {type: 'push', view: {kind: 'help', of: entry.view.kind}});
      return false;
    }

    case 'refresh': {
      run.effects.push({type: 'refresh'});
      return true;
    }

    case 'kldload': {
      askKldload(run);
      return false;
    }

    case 'back': {
      if (entry.view.kind === 'edit-failed') {
        const name = entry.view.name;
        const savedAt = run.state.drafts.get(domainKey(name, entry.view.host))?.savedAt;
        say(run, infoStatus(`Your edit of ${name} is kept${savedAt === undefined ? '' : ` in ${savedAt}`}; E on ${name} resumes it`));
      }

      toScreen(run, {type: 'pop'});
      return false;
    }

    case 'reedit':
    case 'discard': {
      if (entry.view.kind !== 'edit-failed') {
        return false;
      }

      const name = entry.view.name;
      const host = entry.view.host;
      toScreen(run, {type: 'pop'});
      if (command.type === 'discard') {
        run.effects.push(onHost({type: 'discard-edit', name}, host));
        say(run, infoStatus(`Discarded your edit of ${name}; its definition is as it was`));
      } else {
        run.effects.push(onHost({type: 'edit', name}, host));
      }

      return false;
    }

    case 'quit': {
      run.effects.push({type: 'quit'});
      return false;
    }

    default: {
      return act(run, command.type);
    }
  }
}

/**
 * The effects of one input chunk, in the order they must run. Ctrl-C quits from anywhere;
 * an open dialog takes every other key; otherwise the view's keymap decides.
 */
export function dispatchKey(state: KeyState, input: string, key: Key): Effect[] {
  if (state.leaving || state.editing) {
    return [];
  }

  if (isInterrupt(input, key)) {
    return [{type: 'quit'}];
  }

  const run: Run = {state, screen: state.screen, table: state.table, tableQueue: [], effects: []};
  const dialog = state.screen.dialog;
  if (dialog !== null) {
    if (dialog.kind === 'confirm') {
      const reply = answerFor(input, key);
      if (reply !== undefined) {
        answer(run, dialog.action, reply === 'yes');
      }
    } else {
      promptKey(run, dialog, input, key);
    }

    return run.effects;
  }

  for (const {command, rest} of commandsFor(topEntry(state.screen).view.kind, input, key)) {
    if (!runCommand(run, command, rest)) {
      break;
    }
  }

  return run.effects;
}
