// The Ink-free first frame must show exactly what Ink draws once it has mounted with the same
// data: the real App is rendered by Ink to a fake terminal of each size, and both outputs are
// replayed into a terminal grid and compared cell by cell (character, colour, bold, dim, inverse).
import test from 'ava';
import type {DomainSummary, HostStatus} from '../../../driver/client/connection.js';
import {FakeStdin, FakeStdout} from '../../helpers/fake-terminal.js';
import {firstDifference, gridText, screenGrid} from '../../helpers/screen-grid.js';
import {allModules, domain, FakeConnection, missingModule} from '../helpers/fake-connection.js';

// ava's worker has loaded chalk already, colours off; turn them on for Ink and the first
// frame alike (one chalk instance) so styles are compared too.
const {default: chalk} = await import('chalk');
chalk.level = 1;
const React = await import('react');
const {render} = await import('ink');
const {App} = await import('../../../ui/app/App.js');
const {chalkStylist, firstFrameLines} = await import('../../../ui/render/first-frame.js');

/** Ink's first frame of the App mounted with this listing and host status. */
function inkFirstFrame(connection: FakeConnection, domains: DomainSummary[], host: HostStatus | undefined, columns: number, rows: number): string {
  const stdout = new FakeStdout(columns, rows);
  const instance = render(React.createElement(App, {connection, onConsole() {}, onQuit() {}, pollIntervalMs: 0, initialData: {domains, host}}), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: new FakeStdin() as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    debug: true,
  });
  // The first render is synchronous: its frame is the first write. (Debug mode writes
  // each frame as it is, even where CI is set, which makes non-debug Ink draw nothing.)
  const frame = stdout.writes[0] ?? '';
  instance.unmount();
  instance.cleanup();
  return frame;
}

const names = (count: number) => Array.from({length: count}, (_, index) => `bench${String(index).padStart(4, '0')}`);

const mixed = (): DomainSummary[] => [
  domain('db1', 'running', {cpuPercent: 3.5, rssKiB: 400_000, autostart: true}),
  domain('debian12', 'shut off', {lastError: 'grub-bhyve exited with status 1', problemCount: 1}),
  domain('broken', 'invalid', {error: 'line 3, column 7: unclosed tag <memory>'}),
  domain('web1', 'crashed', {reason: 'crash loop'}),
  domain('a-very-long-domain-name-that-does-not-fit-anywhere-at-all', 'bootloader'),
  domain('orph', 'orphaned'),
];

const cases: Array<{
  title: string;
  columns: number;
  rows: number;
  domains: () => DomainSummary[];
  host?: (connection: FakeConnection) => void;
  noHost?: boolean;
  simulated?: boolean;
  noColor?: boolean;
}> = [
  {
    title: '1,000 domains, 120x40, simulated host',
    columns: 120,
    rows: 40,
    domains: () =>
      names(1000).map((name, index) => domain(name, index % 4 === 0 ? 'running' : 'shut off', index % 4 === 0 ? {cpuPercent: 12, rssKiB: 500_000} : {})),
    simulated: true,
  },
  {title: 'mixed states, 80x24 (host strip under the list)', columns: 80, rows: 24, domains: mixed},
  {title: 'mixed states, 99x30 (widest strip)', columns: 99, rows: 30, domains: mixed},
  {title: 'mixed states, 100x30 (narrowest side panel)', columns: 100, rows: 30, domains: mixed, simulated: true},
  {
    title: 'missing and failed modules, tap down, 120x40',
    columns: 120,
    rows: 40,
    domains: mixed,
    host(connection) {
      connection.modules = [{...allModules[0]!, loaded: true, detail: 'failed'}, missingModule('if_bridge'), missingModule('nmdm')];
      connection.tapUpOnOpen = false;
    },
  },
  {
    title: 'missing module in the 80-column strip',
    columns: 80,
    rows: 24,
    domains: mixed,
    host(connection) {
      connection.modules = [missingModule('vmm'), ...allModules.slice(1)];
    },
  },
  {title: 'host status not in yet', columns: 120, rows: 40, domains: mixed, noHost: true},
  {
    title: 'the selected domain is invalid (red line under the table)',
    columns: 120,
    rows: 40,
    domains: () => [domain('aaa', 'invalid', {error: 'line 3, column 7: unclosed tag <memory>'}), ...mixed()],
  },
  {
    title: 'the selected domain failed its last start',
    columns: 100,
    rows: 30,
    domains: () => [domain('aaa', 'shut off', {lastError: 'bhyve exited with status 4', problemCount: 1}), ...mixed()],
  },
  {title: 'no domains', columns: 120, rows: 40, domains: () => []},
  {title: 'large terminal, 220x70', columns: 220, rows: 70, domains: () => names(300).map((name) => domain(name))},
  {title: 'small terminal, 60x14', columns: 60, rows: 14, domains: mixed},
  {title: 'NO_COLOR', columns: 120, rows: 40, domains: mixed, noColor: true, simulated: true},
];

for (const scenario of cases) {
  test.serial(`first frame equals Ink's: ${scenario.title}`, async (t) => {
    if (scenario.noColor === true) {
      process.env.NO_COLOR = '1';
    }

    try {
      const domains = scenario.domains();
      const connection = new FakeConnection(domains, {
        simulated: scenario.simulated ?? false,
        uri: scenario.simulated === true ? 'sim:///tmp/bhyve-sim' : 'bhyve:///system',
      });
      scenario.host?.(connection);
      const host = scenario.noHost === true ? undefined : await connection.hostStatus();
      const ink = screenGrid(inkFirstFrame(connection, domains, host, scenario.columns, scenario.rows), scenario.columns, scenario.rows);
      const lines = firstFrameLines(
        {uri: connection.uri, simulated: connection.simulated, domains, host, columns: scenario.columns, rows: scenario.rows, now: Date.now()},
        chalkStylist,
      );
      t.is(lines.length, scenario.rows - 1, 'one row short of the terminal, as the App');
      const ours = screenGrid(lines.join('\n'), scenario.columns, scenario.rows);
      const difference = firstDifference(ours, ink);
      t.is(difference, undefined, `first frame:\n${gridText(ours)}\n\nInk:\n${gridText(ink)}`);
      // Not a blank comparison: the frame shows the list and the hint line.
      t.regex(gridText(ink), /NAME/);
      t.regex(gridText(ink), /\? help/);
    } finally {
      delete process.env.NO_COLOR;
    }
  });
}

test.serial('the grid sees styles: a frame without its colours differs', (t) => {
  const domains = mixed();
  const input = {uri: 'bhyve:///system', simulated: false, domains, host: undefined, columns: 120, rows: 40, now: Date.now()};
  const styled = screenGrid(firstFrameLines(input, chalkStylist).join('\n'), 120, 40);
  const bare = screenGrid(firstFrameLines(input, (text) => text).join('\n'), 120, 40);
  t.not(firstDifference(styled, bare), undefined);
  t.is(gridText(styled), gridText(bare));
});
