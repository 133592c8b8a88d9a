// What a terminal shows after some output: a grid of cells with their character and the
// SGR attributes bhyve-tui uses (foreground colour, bold, dim, inverse). Two outputs that
// differ only in how their escape codes are written give equal grids.
export interface Cell {
  char: string;
  fg: number | undefined;
  bold: boolean;
  dim: boolean;
  inverse: boolean;
}

const blank = (): Cell => ({char: ' ', fg: undefined, bold: false, dim: false, inverse: false});

export function screenGrid(output: string, columns: number, rows: number): Cell[][] {
  const grid = Array.from({length: rows}, () => Array.from({length: columns}, blank));
  let x = 0;
  let y = 0;
  let pen = blank();
  const csi = /^\u001B\[([?0-9;]*)([A-Za-z])/;
  for (let index = 0; index < output.length; ) {
    const rest = output.slice(index, index + 32);
    const match = csi.exec(rest);
    if (match !== null) {
      index += match[0].length;
      const [params = '', command] = [match[1], match[2]];
      const numbers = params.startsWith('?') ? [] : params.split(';').filter(Boolean).map(Number);
      switch (command) {
        case 'm': {
          for (const code of numbers.length === 0 ? [0] : numbers) {
            if (code === 0) pen = blank();
            else if (code === 1) pen.bold = true;
            else if (code === 2) pen.dim = true;
            else if (code === 22) pen = {...pen, bold: false, dim: false};
            else if (code === 7) pen.inverse = true;
            else if (code === 27) pen.inverse = false;
            else if (code === 39) pen.fg = undefined;
            else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) pen.fg = code;
          }

          break;
        }

        case 'H': {
          [y, x] = [(numbers[0] ?? 1) - 1, (numbers[1] ?? 1) - 1];
          break;
        }

        case 'A': {
          y = Math.max(0, y - (numbers[0] ?? 1));
          break;
        }

        case 'G': {
          x = (numbers[0] ?? 1) - 1;
          break;
        }

        case 'K': {
          const mode = numbers[0] ?? 0;
          const row = grid[y];
          if (row !== undefined) {
            for (let column = mode === 0 ? x : 0; column < (mode === 1 ? x + 1 : columns); column++) row[column] = blank();
          }

          break;
        }

        case 'J': {
          for (let row = y; row < rows; row++) {
            for (let column = row === y ? x : 0; column < columns; column++) grid[row]![column] = blank();
          }

          break;
        }

        default: {
          break; // cursor visibility, synchronized output, ...
        }
      }

      continue;
    }

    const char = String.fromCodePoint(output.codePointAt(index)!);
    index += char.length;
    if (char === '\n') {
      y++;
      x = 0;
    } else if (char === '\r') {
      x = 0;
    } else if (char >= ' ') {
      const row = grid[y];
      if (row !== undefined && x < columns) row[x] = {...pen, char};
      x++;
    }
  }

  return grid;
}

/** The first cell (row, column) where two grids differ, with both cells; undefined when equal. */
export function firstDifference(a: Cell[][], b: Cell[][]): string | undefined {
  for (const [y, row] of a.entries()) {
    for (const [x, cell] of row.entries()) {
      const other = b[y]?.[x];
      if (other === undefined || JSON.stringify(cell) !== JSON.stringify(other)) {
        return `row ${y}, column ${x}: ${JSON.stringify(cell)} vs ${JSON.stringify(other)}`;
      }
    }
  }

  return undefined;
}

export function gridText(grid: Cell[][]): string {
  return grid
    .map((row) =>
      row
        .map((cell) => cell.char)
        .join('')
        .trimEnd(),
    )
    .join('\n');
}
