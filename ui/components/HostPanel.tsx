// The host panel: a bordered box beside the list (or a strip under it) with host-lines.ts's lines.
import {Box, Text} from 'ink';
import type {HostStatus} from '../../driver/client/connection.js';
import {tint, truncate} from '../text/format.js';
import {hostLines, hostStripLines, type HostLine} from '../text/host-lines.js';

function Lines(props: {lines: HostLine[]; inner: number}) {
  return (
    <>
      {props.lines.map((line, index) => (
        <Text key={index} bold={line.bold} dimColor={line.dim} color={line.color === undefined ? undefined : tint(line.color)} wrap="truncate-end">
          {truncate(line.text, props.inner)}
        </Text>
      ))}
    </>
  );
}

export function HostPanel(props: {host: HostStatus | undefined; error: unknown; width: number; height?: number; strip?: boolean}) {
  const inner = Math.max(1, props.width - 4);
  const lines = props.strip === true ? hostStripLines(props.host, props.error, inner) : hostLines(props.host, props.error, inner);
  return (
    <Box flexDirection="column" width={props.width} height={props.height} flexShrink={0} borderStyle="round" borderDimColor paddingX={1} overflow="hidden">
      <Lines lines={lines} inner={inner} />
    </Box>
  );
}
