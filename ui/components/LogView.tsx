// `l`: the end of the domain's log (commands run, tool output, actions taken). It follows
// new lines while scrolled to the bottom, like `tail -f`.
import type {Connection} from '../../driver/client/connection.js';
import {Pager} from './Pager.js';
import {textLines} from '../text/pager-lines.js';
import {errorStatus} from '../state/status.js';
import {useDomainResource} from '../hooks/use-domain-resource.js';

const LOG_TAIL_BYTES = 64 * 1024;

const fetchLog = async (connection: Connection, name: string) => connection.domainLog(name, {tailBytes: LOG_TAIL_BYTES});

export function LogView(props: {
  connection: Connection;
  name: string;
  scroll: number;
  follow: boolean;
  width: number;
  height: number;
  refreshMs: number;
  onBounds(maxScroll: number): void;
}) {
  const {data, error, settled} = useDomainResource(props.connection, props.name, fetchLog, {intervalMs: props.refreshMs});
  let lines;
  if (data === undefined) {
    lines = error === undefined || !settled ? [{text: 'Loading…', dim: true}] : [{text: `✘ ${errorStatus(error).text}`, color: 'red'}];
  } else if (data.trim() === '') {
    lines = [{text: `Nothing logged for ${props.name} yet.`, dim: true}];
  } else {
    lines = textLines(data);
  }

  return (
    <Pager
      title={`Log: ${props.name}`}
      badge={props.follow ? {text: 'following', color: 'green'} : {text: 'G follows', color: undefined}}
      lines={lines}
      scroll={props.scroll}
      width={props.width}
      height={props.height}
      ready={data !== undefined}
      onBounds={props.onBounds}
    />
  );
}
