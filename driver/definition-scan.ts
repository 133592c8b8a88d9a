// Where things are in a definition file, found by scanning its text rather than parsing it:
// the disk images, bridges and nmdm consoles it names and its <vcpu>, each with the line and
// column of its element. It serves the errors view: host problems point at the element to
// fix, and a file that no longer parses still gets its disks, bridges and consoles checked,
// as far as they can be read. Nothing here is used to start anything.

export interface ScannedPlace {
	line: number;
	column: number;
}

export interface DefinitionScan {
	files: Array<ScannedPlace & {path: string; what: string}>;
	bridges: Array<ScannedPlace & {name: string}>;
	consoles: Array<ScannedPlace & {master: string; slave: string}>;
	vcpus?: ScannedPlace & {value: number};
}

/** Something a check is about, by what the definition says: a disk's path, a bridge's name, a console device, the vCPU count. */
export interface DefinitionSubject {
	kind: 'file' | 'bridge' | 'console' | 'vcpus';
	value: string;
}

/** Where the element that `subject` comes from is, if the scan found it. */
export function placeOf(scan: DefinitionScan, subject: DefinitionSubject): ScannedPlace | undefined {
	switch (subject.kind) {
		case 'file': {
			return scan.files.find(file => file.path === subject.value);
		}

		case 'bridge': {
			return scan.bridges.find(bridge => bridge.name === subject.value);
		}

		case 'console': {
			return scan.consoles.find(console => console.master === subject.value || console.slave === subject.value);
		}

		case 'vcpus': {
			return scan.vcpus;
		}
	}
}

const entities: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: '\''};

function decode(value: string): string {
	return value.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);/g, (_, entity: string) => {
		if (entity.startsWith('#x')) {
			return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
		}

		return entity.startsWith('#') ? String.fromCodePoint(Number(entity.slice(1))) : entities[entity]!;
	});
}

function attributes(text: string): Map<string, string> {
	const found = new Map<string, string>();
	for (const match of text.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
		found.set(match[1]!, decode(match[2] ?? match[3] ?? ''));
	}

	return found;
}

export function scanDefinition(text: string): DefinitionScan {
	const scan: DefinitionScan = {files: [], bridges: [], consoles: []};
	// Line starts, to turn an offset into a line and column (1-based, as the XML parser's).
	const starts = [0];
	for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) {
		starts.push(index + 1);
	}

	const place = (offset: number): ScannedPlace => {
		let low = 0;
		let high = starts.length - 1;
		while (low < high) {
			const middle = (low + high + 1) >> 1;
			if (starts[middle]! <= offset) {
				low = middle;
			} else {
				high = middle - 1;
			}
		}

		return {line: low + 1, column: [...text.slice(starts[low], offset)].length + 1};
	};

	// The open elements that matter for what a <source> means: disk, interface, serial/console.
	const open: Array<{name: string; attrs: Map<string, string>}> = [];
	const tags = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<(\/?)([\w:.-]+)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
	for (const match of text.matchAll(tags)) {
		const [whole, closing, name, rest, selfClosing] = match;
		if (name === undefined || whole.startsWith('<!')) {
			continue;
		}

		if (closing === '/') {
			const at = open.map(entry => entry.name).lastIndexOf(name);
			if (at >= 0) {
				open.length = at;
			}

			continue;
		}

		const attrs = attributes(rest ?? '');
		const parent = open.at(-1);
		if (name === 'source' && parent !== undefined) {
			const where = place(match.index);
			const type = parent.attrs.get('type');
			if (parent.name === 'disk' && (type === 'file' || type === 'block' || type === undefined)) {
				const path = attrs.get('file') ?? attrs.get('dev');
				if (path !== undefined) {
					scan.files.push({path, what: parent.attrs.get('device') === 'cdrom' ? 'ISO image' : 'disk image', ...where});
				}
			} else if (parent.name === 'interface' && type === 'bridge' && attrs.has('bridge')) {
				scan.bridges.push({name: attrs.get('bridge')!, ...where});
			} else if ((parent.name === 'serial' || parent.name === 'console') && type === 'nmdm' && attrs.has('master') && attrs.has('slave')) {
				scan.consoles.push({master: attrs.get('master')!, slave: attrs.get('slave')!, ...where});
			}
		}

		if (name === 'vcpu' && selfClosing !== '/' && scan.vcpus === undefined) {
			const body = /^\s*(\d+)\s*</.exec(text.slice(match.index + whole.length));
			if (body !== null) {
				scan.vcpus = {value: Number(body[1]), ...place(match.index)};
			}
		}

		if (selfClosing !== '/') {
			open.push({name, attrs});
		}
	}

	return scan;
}
