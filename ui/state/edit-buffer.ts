// The editor buffer after a failed save: the errors go on top as an XML comment, and the
// comment is taken off again before the text is defined, so it never reaches the file.
const MARK = '<!-- bhyve-tui: NOT SAVED.';

export function withErrorHeader(text: string, message: string, detail?: string): string {
  const errors = [message, ...(detail ?? '').split(/\r?\n/)]
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    // `--` may not appear inside an XML comment.
    .map((line) => `     ${line.replace(/--/g, '- -')}`);
  const header = [
    `${MARK} The definition was rejected:`,
    ...errors,
    '     Fix the XML below and save; this comment is removed before the definition is checked.',
    '     Line numbers above count from the line after this comment.',
    '-->',
  ];
  return `${header.join('\n')}\n${stripErrorHeader(text)}`;
}

export function stripErrorHeader(text: string): string {
  const start = text.indexOf(MARK);
  if (start < 0 || text.slice(0, start).trim() !== '') {
    return text;
  }

  const end = text.indexOf('-->', start);
  if (end < 0) {
    return text;
  }

  return text.slice(end + 3).replace(/^\r?\n/, '');
}
