// The domain table. Only the rows in the window around the selection are rendered, and
// each row is memoised on its (reconciled) domain object, so with 1,000 domains a key
// press re-renders the two rows whose highlight changed. Columns that do not fit are
// dropped right to left (AUTO, RSS, CPU%, VCPUS, MEMORY); NAME and STATE always stay.
// What each line says comes from domain-rows.ts; this file only draws it.
import {Box, Text} from 'ink';
import {memo} from 'react';
import type {DomainSummary} from '../../driver/client/connection.js';
import {detailText, fitColumns, headerText, listPosition, rowSegments, selectionMarker, type Columns} from '../text/domain-rows.js';
import {isHostRow, type ListedDomain, type TableRow, type TableState} from '../state/domain-table-state.js';
import {hostDetailText, hostHeaderSegments, type HostInfo} from '../text/host-rows.js';
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

function HeaderRow(props: {info: HostInfo; domains: readonly ListedDomain[]; selected: boolean; now: number}) {
  return (
    <Text inverse={props.selected} wrap="truncate-end">
      {selectionMarker(props.selected)}
      <Segments segments={hostHeaderSegments(props.info, props.domains, props.now)} />
    </Text>
  );
}

function DetailLine(props: {detail: {text: string; color?: string; dim?: boolean}; position: string; inner: number}) {
  const {detail, position, inner} = props;
  const room = Math.max(0, inner - position.length - 1);
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
  /** clock for the shutdown countdown and the hosts' retry countdowns */
  now: number;
  /** with several hosts: each host's name, URI and link, for the group headers */
  hosts?: ReadonlyMap<string, HostInfo>;
}) {
  const {table, viewport, width, height, error} = props;
  const list = table.list;
  const inner = Math.max(1, width - 2);
  const columns = fitColumns(inner, props.longestName);
  const window = visibleWindow(list, viewport);
  const selected: TableRow | undefined = list.index >= 0 ? list.items[list.index] : undefined;
  const position = listPosition(table);
  const rowsOf = (host: string) => table.all.filter((domain) => domain.host === host);
  const selectedInfo = isHostRow(selected) ? props.hosts?.get(selected.host) : undefined;
  const detail =
    isHostRow(selected) && selectedInfo !== undefined
      ? hostDetailText(selectedInfo, rowsOf(selected.host), props.now)
      : detailText(isHostRow(selected) ? undefined : selected, error, props.now);

  let body;
  if (!list.loaded) {
    body = <Text dimColor>{error === undefined ? 'Loading domains…' : ''}</Text>;
  } else if (table.all.length === 0 && table.hosts.length === 0) {
    body = <Text dimColor>No domains defined.</Text>;
  } else if (list.items.length === 0) {
    body = <Text dimColor wrap="truncate-end">{`No domain name contains '${truncate(table.filter, Math.max(1, inner - 40))}'. Esc clears the filter.`}</Text>;
  } else {
    body = window.items.map((item, row) => {
      const isSelected = window.offset + row === list.index;
      if (isHostRow(item)) {
        const info = props.hosts?.get(item.host) ?? {name: item.host, uri: '', link: {phase: 'connecting', failures: 0, since: props.now}};
        return <HeaderRow key={`host:${item.host}`} info={info} domains={rowsOf(item.host)} selected={isSelected} now={props.now} />;
      }

      return <Row key={item.host === undefined ? item.name : `${item.host}/${item.name}`} domain={item} selected={isSelected} columns={columns} />;
    });
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
      <DetailLine detail={detail} position={position} inner={inner} />
    </Box>
  );
}
