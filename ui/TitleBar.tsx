import {Box, Text} from 'ink';
import {tint, truncate} from './format.js';

export const SIMULATED_BADGE = ' SIMULATED HOST ';

export function TitleBar(props: {uri: string; hostname: string | undefined; simulated: boolean; width: number}) {
	const badgeWidth = props.simulated ? SIMULATED_BADGE.length + 1 : 0;
	const info = `  ${props.uri}  ${props.hostname ?? '…'}`;
	const name = 'bhyve-tui';
	return (
		<Box width={props.width} height={1} flexShrink={0}>
			<Text bold color={tint('cyan')}>
				{truncate(name, props.width)}
			</Text>
			<Box flexGrow={1}>
				<Text wrap="truncate-end">{truncate(info, Math.max(0, props.width - name.length - badgeWidth))}</Text>
			</Box>
			{props.simulated ? (
				<Text bold inverse color={tint('yellow')}>
					{SIMULATED_BADGE}
				</Text>
			) : null}
		</Box>
	);
}
