// What the App draws: the title bar, the view on top of the stack (the list with the host
// panel, details, errors, log, a pager, the failed-edit view), then the status line or the
// open dialog, and the key hints. Rows are budgeted here (render/layout.ts) from the terminal
// size, so the list window and the pagers always fit. It draws and reports sizes; keys are
// the App's. With several hosts the list groups the domains under a header per host, and
// the title, the host panel and the domain views follow the selected row's host.
import {Box, Text} from 'ink';
import {useCallback, useEffect} from 'react';
import type {Connection} from '../../driver/client/connection.js';
import {ConfirmDialog, confirmHeight} from '../components/ConfirmDialog.js';
import {DetailsView} from '../components/DetailsView.js';
import {DomainList} from '../components/DomainList.js';
import {EditFailedView} from '../components/EditFailedView.js';
import {ErrorsView} from '../components/ErrorsView.js';
import {HostPanel} from '../components/HostPanel.js';
import {KeyHints} from '../components/KeyHints.js';
import {LogView} from '../components/LogView.js';
import {Pager, PAGER_CHROME_ROWS} from '../components/Pager.js';
import {PromptLine} from '../components/PromptLine.js';
import {StatusLine} from '../components/StatusLine.js';
import {TitleBar} from '../components/TitleBar.js';
import {TypeNameDialog, typeNameHeight} from '../components/TypeNameDialog.js';
import type {HostConnection} from '../hooks/use-domain-actions.js';
import type {DomainTable} from '../hooks/use-domain-table.js';
import {useNow} from '../hooks/use-now.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import {computeLayout} from '../render/layout.js';
import {destroyQuestion, kldloadQuestion, rebootQuestion, undefineQuestion} from '../state/domain-rules.js';
import {confirmHints, hintsFor, promptHints, typeNameHints} from '../state/keymap.js';
import {PROMPT_CLIPPED_NOTE} from '../state/prompt-input.js';
import {topEntry, type ConfirmAction, type ScreenAction, type ScreenState} from '../state/screen-state.js';
import {statusHeight, type Status} from '../state/status.js';
import type {Store} from '../state/store.js';
import {findDomain} from '../state/domain-table-state.js';
import {listSummary} from '../text/domain-rows.js';
import {type HostInfo, hostsSummary} from '../text/host-rows.js';
import {helpLines, viewTitle} from '../text/help-lines.js';
import {hostLines, hostStripLines} from '../text/host-lines.js';
import {textLines} from '../text/pager-lines.js';
import type {FedStatus} from './HostFeed.js';

function dialogQuestion(action: ConfirmAction): string {
  switch (action.type) {
    case 'destroy': {
      return destroyQuestion(action.name, action.host);
    }

    case 'reboot': {
      return rebootQuestion(action.name, action.host);
    }

    case 'kldload': {
      return kldloadQuestion(action.module, action.label, action.persist, action.host);
    }
  }
}

/** The host's link as the panel's error while it has no connection (several hosts). */
function linkError(info: HostInfo | undefined): Error | undefined {
  if (info === undefined || info.link.phase === 'ready') {
    return undefined;
  }

  return new Error(info.link.phase === 'error' ? `${info.name}: ${info.link.error ?? 'unreachable'}` : `${info.name}: connecting to ${info.uri}…`);
}

export function Screen(props: {
  connectionOf(host: string | undefined): HostConnection;
  /** several hosts: their names, URIs and links; undefined with one */
  hostInfo: ReadonlyMap<string, HostInfo> | undefined;
  /** the host of the selected row or the open view (several hosts) */
  shownHost: string | undefined;
  screen: ScreenState;
  screenStore: Store<ScreenState, ScreenAction>;
  status: Status | null;
  table: DomainTable;
  host: FedStatus;
  /** refresh period of the domain views */
  idleMs: number;
  /** set on every render: the rows a pager shows, for the App's PgUp/PgDn */
  pagerRows: {current: number};
}) {
  const {screen, screenStore, status, table, idleMs, hostInfo, shownHost} = props;
  const shownInfo = shownHost === undefined ? undefined : hostInfo?.get(shownHost);
  const host = {data: props.host.data, error: props.host.error ?? linkError(shownInfo)};
  const reached = props.connectionOf(shownHost);
  const connection: Connection | undefined = 'connection' in reached ? reached.connection : undefined;
  const size = useTerminalSize();
  const entry = topEntry(screen);
  const view = entry.view;
  const dialog = screen.dialog;
  const tableState = table.state;
  // The hosts' countdowns (retry in N s, connecting… N s) tick too.
  const counting =
    tableState.all.some((domain) => domain.shutdownDeadline !== undefined) || [...(hostInfo?.values() ?? [])].some((info) => info.link.phase !== 'ready');
  // The ticking clock, but never behind a deadline set since its last tick.
  const now = Math.max(useNow(counting), counting ? Date.now() : 0);

  const onBounds = useCallback(
    (maxScroll: number) => {
      screenStore.dispatch({type: 'bounds', maxScroll});
    },
    [screenStore],
  );

  let bottomRows: number;
  let question = '';
  if (dialog?.kind === 'confirm') {
    question = dialogQuestion(dialog.action);
    bottomRows = confirmHeight(question, size.columns);
  } else if (dialog?.kind === 'type-name') {
    question = undefineQuestion(dialog.name, dialog.host);
    bottomRows = typeNameHeight(question, size.columns);
  } else if (dialog?.kind === 'prompt') {
    bottomRows = 1;
  } else {
    bottomRows = statusHeight(status);
  }

  const wide = size.columns >= 100;
  const hostContent = wide ? hostLines(host.data, host.error) : hostStripLines(host.data, host.error, Math.max(1, size.columns - 4));
  const layout = computeLayout({columns: size.columns, rows: size.rows, bottomRows, hostLines: hostContent.length});
  props.pagerRows.current = Math.max(1, layout.mainHeight - PAGER_CHROME_ROWS);

  useEffect(() => {
    table.store.dispatch({type: 'viewport', rows: layout.viewport});
  }, [layout.viewport, table.store]);

  if (view.kind === 'editing') {
    // A constant frame: while the editor owns the terminal, nothing here may draw.
    return (
      <Box flexDirection="column">
        <Text>{`Editing ${view.name} in your editor… bhyve-tui continues when the editor exits.`}</Text>
      </Box>
    );
  }

  const pane = {scroll: entry.scroll, width: layout.width, height: layout.mainHeight, onBounds};
  let main;
  switch (view.kind) {
    case 'list': {
      main = (
        <Box flexDirection={layout.hostBeside ? 'row' : 'column'} height={layout.mainHeight} flexShrink={0}>
          <DomainList
            table={tableState}
            viewport={layout.viewport}
            width={layout.listWidth}
            height={layout.listHeight}
            error={table.error}
            longestName={table.longestName}
            now={now}
            {...(hostInfo === undefined ? {} : {hosts: hostInfo})}
          />
          {layout.hostHeight > 0 ? (
            <HostPanel host={host.data} error={host.error} width={layout.hostWidth} height={layout.hostHeight} strip={!layout.hostBeside} />
          ) : null}
        </Box>
      );
      break;
    }

    case 'details':
    case 'errors':
    case 'log': {
      // The views refetch on a new connection too (the host reconnected).
      const found = props.connectionOf(view.host);
      if (!('connection' in found)) {
        main = <Pager title={`${view.name} on ${view.host ?? 'the host'}`} lines={[{text: `✘ ${found.unreachable}`, color: 'red'}]} {...pane} />;
        break;
      }

      const key = `${view.host ?? ''}/${view.name}/${shownInfo?.link.since ?? 0}`;
      if (view.kind === 'details') {
        const summary = findDomain(tableState, view.name, view.host);
        main = <DetailsView key={key} connection={found.connection} name={view.name} summary={summary} now={now} refreshMs={idleMs} {...pane} />;
      } else if (view.kind === 'errors') {
        main = <ErrorsView key={key} connection={found.connection} name={view.name} refreshMs={idleMs} {...pane} />;
      } else {
        main = <LogView key={key} connection={found.connection} name={view.name} follow={entry.follow} refreshMs={Math.min(idleMs, 2000)} {...pane} />;
      }

      break;
    }

    case 'help': {
      main = <Pager title={`Keys: ${viewTitle[view.of]}`} lines={helpLines(view.of)} {...pane} />;
      break;
    }

    case 'output': {
      main = <Pager title={view.title} lines={textLines(view.text)} {...pane} />;
      break;
    }

    case 'edit-failed': {
      main = (
        <EditFailedView
          name={view.name}
          message={view.message}
          {...(view.detail === undefined ? {} : {detail: view.detail})}
          {...(view.savedAt === undefined ? {} : {savedAt: view.savedAt})}
          {...pane}
        />
      );
      break;
    }
  }

  let bottom;
  let hints;
  if (dialog?.kind === 'confirm') {
    bottom = <ConfirmDialog question={question} width={layout.width} color={dialog.action.type === 'kldload' ? 'yellow' : 'red'} />;
    hints = confirmHints;
  } else if (dialog?.kind === 'type-name') {
    bottom = <TypeNameDialog question={question} name={dialog.name} value={dialog.value} clipped={dialog.clipped === true} width={layout.width} />;
    hints = typeNameHints;
  } else if (dialog?.kind === 'prompt') {
    const shown = tableState.list.items.length - tableState.hosts.length;
    const count = dialog.purpose === 'filter' ? `${shown} of ${tableState.all.length}` : undefined;
    const note = dialog.clipped === true ? (count === undefined ? PROMPT_CLIPPED_NOTE : `${count}  ${PROMPT_CLIPPED_NOTE}`) : count;
    bottom = <PromptLine purpose={dialog.purpose} value={dialog.value} width={layout.width} {...(note === undefined ? {} : {note})} />;
    hints = promptHints[dialog.purpose];
  } else {
    const fallback = hostInfo === undefined ? listSummary(tableState.all, tableState.list.loaded) : hostsSummary([...hostInfo.values()], tableState.all);
    bottom = <StatusLine status={status} fallback={fallback} width={layout.width} />;
    hints = hintsFor(view.kind);
  }

  return (
    <Box flexDirection="column" width={layout.width} height={layout.height} overflow="hidden">
      <TitleBar
        uri={shownInfo === undefined ? (connection?.uri ?? '') : `${shownInfo.name} ${shownInfo.uri}`}
        hostname={host.data?.hostname}
        simulated={connection?.simulated ?? false}
        width={layout.width}
      />
      {main}
      {bottom}
      <KeyHints hints={hints} width={layout.width} />
    </Box>
  );
}
