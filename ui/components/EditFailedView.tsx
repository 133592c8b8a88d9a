// After an edit that did not validate: what is wrong, and the choice to re-edit (the errors
// go on top of the buffer as an XML comment), discard, or keep the text for later. The
// edited text is never dropped without the operator asking for it.
import {blank, textLines, type PagerLine} from '../text/pager-lines.js';
import {Pager} from './Pager.js';

function editFailedLines(name: string, message: string, savedAt: string | undefined, detail: string | undefined): PagerLine[] {
  const lines: PagerLine[] = [
    ...textLines(message, {color: 'red', bold: true}).map((line, index) => ({...line, text: (index === 0 ? '✘ ' : '  ') + line.text, hard: false, hang: 2})),
  ];
  if (detail !== undefined && detail.trim() !== '') {
    lines.push(...textLines(detail, {color: 'red'}).map((line) => ({...line, text: `  ${line.text}`, hard: false, hang: 4})));
  }

  lines.push(
    blank,
    {text: `The definition of ${name} was not changed.`},
    {
      text: savedAt === undefined ? 'Your edited text is kept in memory until you discard it.' : `Your edited text is kept, and saved in ${savedAt}`,
      bold: true,
      hang: 2,
    },
    blank,
    {text: 'r  re-edit: the same text, with these errors in a comment at the top'},
    {text: 'd  discard the edit'},
    {text: 'Esc  back to the list; E on this domain resumes the edit'},
  );
  return lines;
}

export function EditFailedView(props: {
  name: string;
  message: string;
  detail?: string;
  savedAt?: string;
  scroll: number;
  width: number;
  height: number;
  onBounds(maxScroll: number): void;
}) {
  return (
    <Pager
      title={`Edit of ${props.name} not saved`}
      badge={{text: 'invalid', color: 'red'}}
      lines={editFailedLines(props.name, props.message, props.savedAt, props.detail)}
      scroll={props.scroll}
      width={props.width}
      height={props.height}
      onBounds={props.onBounds}
    />
  );
}
