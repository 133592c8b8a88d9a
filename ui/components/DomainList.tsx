// The domain table. Only the rows in the window around the selection are rendered, and
// each row is memoised on its (reconciled) domain object, so with 1,000 domains a key
// press re-renders the two rows whose highlight changed. Columns that do not fit are
// dropped right to left (AUTO, RSS, CPU%, VCPUS, MEMORY); NAME and STATE always stay.
// What each line says comes from domain-rows.ts; this file only draws it.
import {Box, Text} from 'ink';
import {memo} from 'react';
import type {DomainSummary} from '../../driver/client/connection.js';
import {detailText, fitColumns, headerText, listPosition, rowSegments, selectionMarker, type Columns} from '../text/domain-rows.js';
import type {TableState} from '../state/domain-table-state.js';
import {tint, truncate} from '../text/format.js';
import {visibleWindow} from '../state/list-state.js';
import {Segments} from './Segments.js';

const Row = memo(
  function Row(props: {domain: DomainSummary; selected: boolean; columns: Columns}) {
    const {domain, selected, columns} = props;
    return (
      <Text inverse={selected} wrap="truncate-end">
        {selectionMarker(selected)}
        <Segments segments={rowSegments(domain, columns)} />
      </Text>
    );
  },
  (before, after) =>
    before.domain === after.domain &&
    before.selected === after.selected &&
    before.columns.name === after.columns.name &&
    before.columns.shown.join() === after.columns.shown.join(),
);

function DetailLine(props: {domain: DomainSummary | undefined; error: unknown; position: string; inner: number; now: number}) {
  const {domain, error, position, inner, now} = props;
  const room = Math.max(0, inner - position.length - 1);
  const detail = detailText(domain, error, now);
  return (
    <Box width={inner} height={1}>
      <Box flexGrow={1}>
        <Text color={detail.color === undefined ? undefined : tint(detail.color)} dimColor={detail.dim} wrap="truncate-end">
          {truncate(detail.text, room)}
        </Text>
      </Box>
      <Text dimColor>{position}</Text>
    </Box>
  );
}

export function DomainList(props: {
  table: TableState;
  /** domain rows that fit */
  viewport: number;
  width: number;
  height: number;
  /** the last listDomains() failure, if the latest call failed */
  error: unknown;
  /** longest domain name, for the NAME column */
  longestName: number;
  /** clock for the shutdown countdown */
  now: number;
}) {
  const {table, viewport, width, height, error} = props;
  const list = table.list;
  const inner = Math.max(1, width - 2);
  const columns = fitColumns(inner, props.longestName);
  const window = visibleWindow(list, viewport);
  const selected = list.index >= 0 ? list.items[list.index] : undefined;
  const position = listPosition(table);

  let body;
  if (!list.loaded) {
    body = <Text dimColor>{error === undefined ? 'Loading domains…' : ''}</Text>;
  } else if (table.all.length === 0) {
    body = <Text dimColor>No domains defined.</Text>;
  } else if (list.items.length === 0) {
    body = <Text dimColor wrap="truncate-end">{`No domain name contains '${truncate(table.filter, Math.max(1, inner - 40))}'. Esc clears the filter.`}</Text>;
  } else {
    body = window.items.map((domain, row) => <Row key={domain.name} domain={domain} selected={window.offset + row === list.index} columns={columns} />);
  }

  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} borderStyle="round" borderDimColor overflow="hidden">
      {/* Bold, not bold+dim: Ink 6.8 loses the dim of a border cell right after bold+dim text. */}
      <Text bold wrap="truncate-end">
        {headerText(columns, table.sort, table.descending)}
      </Text>
      <Box flexDirection="column" height={Math.max(1, viewport)} flexShrink={0} overflow="hidden">
        {body}
      </Box>
      <DetailLine domain={selected} error={error} position={position} inner={inner} now={props.now} />
    </Box>
  );
}
