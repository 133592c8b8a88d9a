// The errors view's content: every problem of a domain with where it is (file:line:column),
// what is wrong, what to do, and for a failed start the tool's stderr, exit code and what
// the code means.
import type {DomainProblem} from '../../driver/client/connection.js';
import {blank, textLines, type PagerLine} from './pager-lines.js';

const sourceName: Record<DomainProblem['source'], string> = {
  'xml-syntax': 'XML syntax',
  'xml-semantic': 'Definition',
  host: 'Host',
  'last-start': 'Last start',
};

function problemLocation(problem: DomainProblem): string {
  if (problem.file === undefined) {
    return '';
  }

  return (
    problem.file +
    (problem.line === undefined ? '' : `:${problem.line}`) +
    (problem.line !== undefined && problem.column !== undefined ? `:${problem.column}` : '')
  );
}

export function problemSummary(problems: readonly DomainProblem[]): string {
  if (problems.length === 0) {
    return 'no problems';
  }

  const errors = problems.filter((problem) => problem.severity === 'error').length;
  const warnings = problems.length - errors;
  const parts = [];
  if (errors > 0) {
    parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
  }

  if (warnings > 0) {
    parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  }

  return parts.join(', ');
}

export function problemLines(name: string, problems: readonly DomainProblem[]): PagerLine[] {
  if (problems.length === 0) {
    return [{text: `✔ No problems: the definition of ${name} is valid and the host is ready to start it.`, color: 'green'}];
  }

  const lines: PagerLine[] = [];
  for (const [index, problem] of problems.entries()) {
    if (index > 0) {
      lines.push(blank);
    }

    const error = problem.severity === 'error';
    const where = problemLocation(problem);
    lines.push({
      text: `${error ? '✘' : '!'} ${sourceName[problem.source]}${where === '' ? '' : `  ${where}`}`,
      color: error ? 'red' : 'yellow',
      bold: true,
      hang: 2,
    });
    lines.push({text: `  ${problem.message}`, hang: 2});
    if (problem.exitCode !== undefined) {
      lines.push({text: `  exit code ${problem.exitCode}${problem.exitMeaning === undefined ? '' : `: ${problem.exitMeaning}`}`, color: 'yellow', hang: 4});
    }

    if (problem.detail !== undefined && problem.detail.trim() !== '') {
      lines.push(...textLines(problem.detail, {dim: true}).map((line) => ({...line, text: `  │ ${line.text}`, hang: 4})));
    }

    if (problem.hint !== undefined) {
      lines.push({text: `  → ${problem.hint}`, color: 'cyan', hang: 4});
    }
  }

  return lines;
}
