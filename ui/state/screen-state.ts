// Which view is on screen and which dialog is open, as a pure reducer. Views form a stack
// (list → details → log …; Esc pops); at most one dialog sits on top of the current view.
// Each view keeps its scroll position; the view reports how far it can scroll (`bounds`)
// after it has laid out its lines, so scroll keys clamp without knowing the content.
import type {ModuleName} from '../../driver/client/connection.js';
import {appendInput, eraseChar, eraseWord, PROMPT_MAX_CHARS} from './prompt-input.js';

// `host` names the domain's host when the TUI shows several; with one it is absent.
export type View =
  | {kind: 'list'}
  | {kind: 'details'; name: string; host?: string}
  | {kind: 'errors'; name: string; host?: string}
  | {kind: 'log'; name: string; host?: string}
  | {kind: 'help'; of: ViewKind}
  | {kind: 'output'; title: string; text: string}
  /** a define() after an edit failed: the error, all of its lines, and where the text was saved */
  | {kind: 'edit-failed'; name: string; message: string; detail?: string; savedAt?: string; host?: string}
  | {kind: 'editing'; name: string; host?: string};

export type ViewKind = View['kind'];

export type ConfirmAction =
  | {type: 'destroy'; name: string; host?: string}
  | {type: 'reboot'; name: string; host?: string}
  | {type: 'kldload'; module: ModuleName; label: string; persist?: string; host?: string};

export type Dialog =
  | {kind: 'confirm'; action: ConfirmAction}
  /** undefine: the operator types the domain's name */
  | {kind: 'type-name'; name: string; value: string; clipped?: boolean; host?: string}
  | {kind: 'prompt'; purpose: 'filter' | 'command'; value: string; history: number; clipped?: boolean};

export interface ScreenEntry {
  view: View;
  /** first line shown (pager views) */
  scroll: number;
  /** largest useful scroll, as last laid out; -1 until known */
  maxScroll: number;
  /** the pager follows the end (log view) while at the bottom */
  follow: boolean;
}

export interface ScreenState {
  stack: ScreenEntry[];
  dialog: Dialog | null;
  /** commands typed at the `:` prompt, oldest first */
  history: string[];
}

export type ScreenAction =
  | {type: 'push'; view: View}
  | {type: 'replace'; view: View}
  | {type: 'pop'}
  | {type: 'home'}
  | {type: 'scroll'; delta: number}
  | {type: 'scroll-to'; line: 'top' | 'bottom'}
  | {type: 'bounds'; maxScroll: number}
  | {type: 'open'; dialog: Dialog}
  | {type: 'close'}
  | {type: 'prompt-input'; text: string}
  | {type: 'prompt-erase'; what: 'char' | 'word' | 'all'}
  | {type: 'prompt-history'; direction: -1 | 1}
  | {type: 'remember'; command: string};

const entry = (view: View): ScreenEntry => ({view, scroll: 0, maxScroll: -1, follow: view.kind === 'log'});

export function initialScreenState(view: View = {kind: 'list'}): ScreenState {
  const stack = [entry({kind: 'list'})];
  if (view.kind !== 'list') {
    stack.push(entry(view));
  }

  return {stack, dialog: null, history: []};
}

export function topEntry(state: ScreenState): ScreenEntry {
  // The list is never popped, so the stack is never empty.
  return state.stack[state.stack.length - 1] ?? entry({kind: 'list'});
}

export function topView(state: ScreenState): View {
  return topEntry(state).view;
}

function updateTop(state: ScreenState, update: (top: ScreenEntry) => ScreenEntry): ScreenState {
  const top = topEntry(state);
  const next = update(top);
  if (next === top) {
    return state;
  }

  return {...state, stack: [...state.stack.slice(0, -1), next]};
}

function clampScroll(top: ScreenEntry, scroll: number): ScreenEntry {
  const max = top.maxScroll < 0 ? Math.max(0, scroll) : top.maxScroll;
  const next = Math.min(Math.max(0, scroll), max);
  const follow = top.view.kind === 'log' && top.maxScroll >= 0 && next >= top.maxScroll;
  return next === top.scroll && follow === top.follow ? top : {...top, scroll: next, follow};
}

function editDialog(dialog: Dialog, value: string, clipped = false): Dialog {
  if (dialog.kind === 'confirm') {
    return dialog;
  }

  const {clipped: _was, ...rest} = dialog;
  return clipped ? {...rest, value, clipped} : {...rest, value};
}

export function screenReducer(state: ScreenState, action: ScreenAction): ScreenState {
  switch (action.type) {
    case 'push': {
      return {...state, stack: [...state.stack, entry(action.view)]};
    }

    case 'replace': {
      if (state.stack.length <= 1) {
        return action.view.kind === 'list' ? state : {...state, stack: [...state.stack, entry(action.view)]};
      }

      return {...state, stack: [...state.stack.slice(0, -1), entry(action.view)]};
    }

    case 'pop': {
      return state.stack.length <= 1 ? state : {...state, stack: state.stack.slice(0, -1)};
    }

    case 'home': {
      return state.stack.length <= 1 && state.dialog === null ? state : {...state, stack: state.stack.slice(0, 1), dialog: null};
    }

    case 'scroll': {
      return updateTop(state, (top) => clampScroll(top, top.scroll + action.delta));
    }

    case 'scroll-to': {
      if (action.line === 'bottom' && topEntry(state).maxScroll < 0) {
        // Not laid out yet (G right after Enter): go to the end once the bounds are known.
        return updateTop(state, (top) => ({...top, scroll: Number.MAX_SAFE_INTEGER, follow: true}));
      }

      return updateTop(state, (top) => clampScroll(top, action.line === 'top' ? 0 : Math.max(top.maxScroll, 0)));
    }

    case 'bounds': {
      return updateTop(state, (top) => {
        const maxScroll = Math.max(0, action.maxScroll);
        if (maxScroll === top.maxScroll) {
          return top;
        }

        const scroll = top.follow ? maxScroll : Math.min(top.scroll, maxScroll);
        return {...top, maxScroll, scroll, follow: top.view.kind === 'log' && top.follow};
      });
    }

    case 'open': {
      return {...state, dialog: action.dialog};
    }

    case 'close': {
      return state.dialog === null ? state : {...state, dialog: null};
    }

    case 'prompt-input': {
      const dialog = state.dialog;
      if (dialog === null || dialog.kind === 'confirm') {
        return state;
      }

      const next = appendInput(dialog.value, action.text);
      if (next.value === dialog.value && next.clipped === (dialog.clipped === true)) {
        return state;
      }

      return {...state, dialog: editDialog(dialog, next.value, next.clipped || (dialog.clipped === true && next.value.length >= PROMPT_MAX_CHARS))};
    }

    case 'prompt-erase': {
      const dialog = state.dialog;
      if (dialog === null || dialog.kind === 'confirm') {
        return state;
      }

      const value = action.what === 'all' ? '' : action.what === 'word' ? eraseWord(dialog.value) : eraseChar(dialog.value);
      return value === dialog.value ? state : {...state, dialog: editDialog(dialog, value)};
    }

    case 'prompt-history': {
      const dialog = state.dialog;
      if (dialog?.kind !== 'prompt' || dialog.purpose !== 'command' || state.history.length === 0) {
        return state;
      }

      // history counts back from the end: 0 is the fresh line, 1 the last command, …
      const position = Math.min(Math.max(0, dialog.history - action.direction), state.history.length);
      if (position === dialog.history) {
        return state;
      }

      const value = position === 0 ? '' : (state.history[state.history.length - position] ?? '');
      return {...state, dialog: {...dialog, value, history: position}};
    }

    case 'remember': {
      const command = action.command.trim();
      if (command === '' || state.history.at(-1) === command) {
        return state;
      }

      return {...state, history: [...state.history.slice(-49), command]};
    }
  }
}
