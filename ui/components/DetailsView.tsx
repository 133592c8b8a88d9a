// Enter on a domain: its devices, boot method, autostart, and the exact loader and bhyve
// command lines a start would run. Action keys work here on this domain.
import type {Connection, DomainSummary} from '../../driver/client/connection.js';
import {detailsLines} from '../text/details-lines.js';
import {stateStyle} from '../text/format.js';
import {Pager} from './Pager.js';
import {errorStatus} from '../state/status.js';
import {useDomainResource} from '../hooks/use-domain-resource.js';

const fetchDetails = async (connection: Connection, name: string) => connection.domainDetails(name);

export function DetailsView(props: {
  connection: Connection;
  name: string;
  summary: DomainSummary | undefined;
  now: number;
  scroll: number;
  width: number;
  height: number;
  refreshMs: number;
  onBounds(maxScroll: number): void;
}) {
  const {data, error, settled} = useDomainResource(props.connection, props.name, fetchDetails, {intervalMs: props.refreshMs});
  let lines;
  if (data === undefined) {
    lines = error === undefined || !settled ? [{text: 'Loading…', dim: true}] : [{text: `✘ ${errorStatus(error).text}`, color: 'red'}];
  } else {
    lines = detailsLines(data, props.summary, props.now);
    if (error !== undefined) {
      lines = [{text: `✘ Refresh failed: ${errorStatus(error).text}`, color: 'red'}, ...lines];
    }
  }

  const state = props.summary?.state ?? data?.state;
  return (
    <Pager
      title={`Details: ${props.name}`}
      badge={state === undefined ? undefined : {text: state, color: stateStyle(state).color}}
      lines={lines}
      scroll={props.scroll}
      width={props.width}
      height={props.height}
      ready={data !== undefined}
      onBounds={props.onBounds}
    />
  );
}
