// `e`: every problem of one domain — XML syntax, definition (libvirt-style semantic) errors,
// host preflight problems and the last failed start — each with where and what to do.
import type {Connection} from '../../driver/client/connection.js';
import {Pager} from './Pager.js';
import {problemLines, problemSummary} from '../text/problem-lines.js';
import {errorStatus} from '../state/status.js';
import {useDomainResource} from '../hooks/use-domain-resource.js';

const fetchProblems = async (connection: Connection, name: string) => connection.domainProblems(name);

export function ErrorsView(props: {
  connection: Connection;
  name: string;
  scroll: number;
  width: number;
  height: number;
  refreshMs: number;
  onBounds(maxScroll: number): void;
}) {
  const {data, error, settled} = useDomainResource(props.connection, props.name, fetchProblems, {intervalMs: props.refreshMs});
  let lines;
  if (data === undefined) {
    lines =
      error === undefined || !settled ? [{text: 'Checking…', dim: true}] : [{text: `✘ Cannot check ${props.name}: ${errorStatus(error).text}`, color: 'red'}];
  } else {
    lines = problemLines(props.name, data);
  }

  const errors = data?.some((problem) => problem.severity === 'error') === true;
  return (
    <Pager
      title={`Errors: ${props.name}`}
      badge={data === undefined ? undefined : {text: problemSummary(data), color: data.length === 0 ? 'green' : errors ? 'red' : 'yellow'}}
      lines={lines}
      scroll={props.scroll}
      width={props.width}
      height={props.height}
      ready={data !== undefined}
      onBounds={props.onBounds}
    />
  );
}
