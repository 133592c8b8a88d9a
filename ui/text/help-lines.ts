// The `?` view: every key of the view it was opened from, generated from the keymap.
import {bindings} from '../state/keymap.js';
import {blank, type PagerLine} from './pager-lines.js';
import type {ViewKind} from '../state/screen-state.js';

export const viewTitle: Record<ViewKind, string> = {
  list: 'Domain list',
  details: 'Details',
  errors: 'Errors',
  log: 'Log',
  help: 'Help',
  output: 'Command output',
  'edit-failed': 'Edit not saved',
  editing: 'Editing',
};

export function helpLines(view: ViewKind): PagerLine[] {
  const table = bindings[view];
  const width = Math.max(...table.map((binding) => binding.keys.length), 4) + 2;
  const lines: PagerLine[] = table.map((binding) => ({text: `  ${binding.keys.padEnd(width)}${binding.label}`, hang: width + 2}));
  if (view === 'list') {
    lines.push(
      blank,
      {text: 'Marks and colours', bold: true},
      {text: '  !  the domain has problems (invalid definition, host not ready, or its last start failed)', hang: 5},
      {text: '  states: running, bootloader (loader running), in shutdown, shut off, crashed, orphaned (vmm device left over), invalid', hang: 10},
      {text: '  NO_COLOR=1 turns colours off; the marks stay.', dim: true},
    );
  }

  if (view === 'list' || view === 'details' || view === 'errors' || view === 'log' || view === 'output') {
    lines.push(
      blank,
      {text: 'Command line (:)', bold: true},
      {text: '  :start NAME  :shutdown NAME  :destroy NAME  :reboot NAME  :undefine NAME  :autostart [--disable] NAME  :dumpxml NAME  :list --all', hang: 2},
      {text: '  :details NAME  :errors NAME  :log NAME  :edit NAME  :console NAME  :filter TEXT  :sort name|state|memory  :help  :q', hang: 2},
      {text: '  Without NAME, the selected domain. Tab completes a domain name; ↑↓ recall earlier commands.', dim: true, hang: 2},
    );
  }

  return lines;
}
