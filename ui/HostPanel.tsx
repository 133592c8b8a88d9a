// Host readiness: each kernel module bhyve needs, loaded or not (with the command that
// fixes it), and the CPU count. Mirrors `virt-host-validate bhyve`.
import {Box, Text} from 'ink';
import type {HostStatus} from '../driver/connection.js';
import {tint, truncate} from './format.js';
import {errorStatus} from './status.js';

export const HOST_PANEL_WIDTH = 32;

interface Line {
	text: string;
	color?: string;
	bold?: boolean;
	dim?: boolean;
}

/** The panel's lines; their count sizes the panel when it sits under the list. */
export function hostLines(host: HostStatus | undefined, error: unknown): Line[] {
	const lines: Line[] = [{text: 'Host', bold: true}];
	if (host === undefined) {
		lines.push(error === undefined ? {text: 'Checking…', dim: true} : {text: `✘ ${errorStatus(error).text}`, color: 'red'});
		return lines;
	}

	lines.push({text: `CPUs  ${host.ncpu ?? '?'}`});
	for (const module of host.modules) {
		if (module.loaded) {
			lines.push({text: `✔ ${module.label} loaded`, color: 'green'});
		} else {
			lines.push({text: `✘ ${module.label} missing`, color: 'red', bold: true}, {text: `  ${module.fix ?? `kldload ${module.name}`}`, color: 'yellow'});
		}
	}

	if (error !== undefined) {
		lines.push({text: `✘ ${errorStatus(error).text}`, color: 'red'});
	}

	return lines;
}

export function HostPanel(props: {host: HostStatus | undefined; error: unknown; width: number; height?: number}) {
	const inner = Math.max(1, props.width - 4);
	return (
		<Box
			flexDirection="column"
			width={props.width}
			height={props.height}
			flexShrink={0}
			borderStyle="round"
			borderDimColor
			paddingX={1}
			overflow="hidden"
		>
			{hostLines(props.host, props.error).map((line, index) => (
				<Text key={index} bold={line.bold} dimColor={line.dim} color={line.color === undefined ? undefined : tint(line.color)} wrap="truncate-end">
					{truncate(line.text, inner)}
				</Text>
			))}
		</Box>
	);
}
