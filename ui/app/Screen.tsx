// What the App draws: the title bar, the view on top of the stack (the list with the host
// panel, details, errors, log, a pager, the failed-edit view), then the status line or the
// open dialog, and the key hints. Rows are budgeted here (render/layout.ts) from the terminal
// size, so the list window and the pagers always fit. It draws and reports sizes; keys are
// the App's.
import {Box, Text} from 'ink';
import {useCallback, useEffect} from 'react';
import type {Connection, HostStatus} from '../../driver/client/connection.js';
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
import type {DomainTable} from '../hooks/use-domain-table.js';
import {useNow} from '../hooks/use-now.js';
import type {Polled} from '../hooks/use-poll.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import {computeLayout} from '../render/layout.js';
import {destroyQuestion, kldloadQuestion, rebootQuestion, undefineQuestion} from '../state/domain-rules.js';
import {confirmHints, hintsFor, promptHints, typeNameHints} from '../state/keymap.js';
import {PROMPT_CLIPPED_NOTE} from '../state/prompt-input.js';
import {topEntry, type ConfirmAction, type ScreenAction, type ScreenState} from '../state/screen-state.js';
import {statusHeight, type Status} from '../state/status.js';
import type {Store} from '../state/store.js';
import {listSummary} from '../text/domain-rows.js';
import {helpLines, viewTitle} from '../text/help-lines.js';
import {hostLines, hostStripLines} from '../text/host-lines.js';
import {textLines} from '../text/pager-lines.js';

function dialogQuestion(action: ConfirmAction): string {
  switch (action.type) {
    case 'destroy': {
      return destroyQuestion(action.name);
    }

    case 'reboot': {
      return rebootQuestion(action.name);
    }

    case 'kldload': {
      return kldloadQuestion(action.module, action.label, action.persist);
    }
  }
}

export function Screen(props: {
  connection: Connection;
  screen: ScreenState;
  screenStore: Store<ScreenState, ScreenAction>;
  status: Status | null;
  table: DomainTable;
  host: Polled<HostStatus>;
  /** refresh period of the domain views */
  idleMs: number;
  /** set on every render: the rows a pager shows, for the App's PgUp/PgDn */
  pagerRows: {current: number};
}) {
  const {connection, screen, screenStore, status, table, host, idleMs} = props;
  const size = useTerminalSize();
  const entry = topEntry(screen);
  const view = entry.view;
  const dialog = screen.dialog;
  const tableState = table.state;
  const counting = tableState.all.some((domain) => domain.shutdownDeadline !== undefined);
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
    question = undefineQuestion(dialog.name);
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
          />
          {layout.hostHeight > 0 ? (
            <HostPanel host={host.data} error={host.error} width={layout.hostWidth} height={layout.hostHeight} strip={!layout.hostBeside} />
          ) : null}
        </Box>
      );
      break;
    }

    case 'details': {
      const summary = tableState.all.find((domain) => domain.name === view.name);
      main = <DetailsView key={view.name} connection={connection} name={view.name} summary={summary} now={now} refreshMs={idleMs} {...pane} />;
      break;
    }

    case 'errors': {
      main = <ErrorsView key={view.name} connection={connection} name={view.name} refreshMs={idleMs} {...pane} />;
      break;
    }

    case 'log': {
      main = <LogView key={view.name} connection={connection} name={view.name} follow={entry.follow} refreshMs={Math.min(idleMs, 2000)} {...pane} />;
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
    const count = dialog.purpose === 'filter' ? `${tableState.list.items.length} of ${tableState.all.length}` : undefined;
    const note = dialog.clipped === true ? (count === undefined ? PROMPT_CLIPPED_NOTE : `${count}  ${PROMPT_CLIPPED_NOTE}`) : count;
    bottom = <PromptLine purpose={dialog.purpose} value={dialog.value} width={layout.width} {...(note === undefined ? {} : {note})} />;
    hints = promptHints[dialog.purpose];
  } else {
    bottom = <StatusLine status={status} fallback={listSummary(tableState.all, tableState.list.loaded)} width={layout.width} />;
    hints = hintsFor(view.kind);
  }

  return (
    <Box flexDirection="column" width={layout.width} height={layout.height} overflow="hidden">
      <TitleBar uri={connection.uri} hostname={host.data?.hostname} simulated={connection.simulated} width={layout.width} />
      {main}
      {bottom}
      <KeyHints hints={hints} width={layout.width} />
    </Box>
  );
}
