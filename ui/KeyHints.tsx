import {Text} from 'ink';
import {Fragment} from 'react';

export function KeyHints(props: {hints: ReadonlyArray<readonly [key: string, label: string]>}) {
	return (
		<Text wrap="truncate-end">
			{props.hints.map(([key, label], index) => (
				<Fragment key={key}>
					{index > 0 ? '  ' : ''}
					<Text bold>{key}</Text>
					<Text dimColor> {label}</Text>
				</Fragment>
			))}
		</Text>
	);
}
