// The terminal's size, following `resize` events on Ink's stdout.
import {useStdout} from 'ink';
import {useEffect, useState} from 'react';

export interface TerminalSize {
	columns: number;
	rows: number;
}

const fallback: TerminalSize = {columns: 80, rows: 24};

export function useTerminalSize(): TerminalSize {
	const {stdout} = useStdout();
	const read = (): TerminalSize => ({
		columns: stdout.columns > 0 ? stdout.columns : fallback.columns,
		rows: stdout.rows > 0 ? stdout.rows : fallback.rows,
	});
	const [size, setSize] = useState(read);

	useEffect(() => {
		const onResize = () => {
			setSize(previous => {
				const next = read();
				return next.columns === previous.columns && next.rows === previous.rows ? previous : next;
			});
		};

		stdout.on('resize', onResize);
		onResize();
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);

	return size;
}
