// ui/render/ink-output.ts against the Output it replaces: every scene is drawn with both, and the
// frames (and the calls made to the transformers) must be identical. Frame sequences matter
// most, since ours remembers rows between frames.
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import test, {type ExecutionContext} from 'ava';
import {build} from 'esbuild';
import Output, {type OutputTransformer} from '../../../ui/render/ink-output.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const inkBuild = path.dirname(createRequire(import.meta.url).resolve('ink'));
const {default: InkOutput} = (await import(pathToFileURL(path.join(inkBuild, 'output.js')).href)) as {default: typeof Output};
const plugin = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'ink-output-plugin.mjs')).href)) as {
  inkOutputPlugin: import('esbuild').Plugin;
  checkInkVersion(packageJsonPath: string): {name: string; version: string};
  supportedInkVersion: string;
};

type Clip = Parameters<Output['clip']>[0];

/** Transformers that log their calls, so both implementations can be shown to make the same ones. */
function transformers(calls: string[]) {
  const logged =
    (name: string, fn: OutputTransformer): OutputTransformer =>
    (line, index) => {
      calls.push(`${name}(${JSON.stringify(line)}, ${index})`);
      return fn(line, index);
    };

  return {
    upper: logged('upper', (line) => line.toUpperCase()),
    bold: logged('bold', (line) => `\u001B[1m${line}\u001B[22m`),
    inverse: logged('inverse', (line) => `\u001B[7m${line}\u001B[27m`),
    green: logged('green', (line) => `\u001B[32m${line}\u001B[39m`),
    numbered: logged('numbered', (line, index) => `${index}|${line}`),
    wide: logged('wide', (line) => `中${line}`),
    blank: logged('blank', () => ''),
  };
}

type Transformers = ReturnType<typeof transformers>;
type Scene = (output: Output, tf: Transformers) => void;
type Frame = {output: string; height: number; calls: string[]};

function draw(Impl: typeof Output, width: number, height: number, scene: Scene): Frame {
  const calls: string[] = [];
  const output = new Impl({width, height});
  scene(output, transformers(calls));
  return {...output.get(), calls};
}

function same(t: ExecutionContext, width: number, height: number, scene: Scene, message?: string): Frame {
  const expected = draw(InkOutput, width, height, scene);
  t.deepEqual(draw(Output, width, height, scene), expected, message);
  return expected;
}

/** For long runs: true when identical, else one failed assertion with the details. */
function agrees(t: ExecutionContext, width: number, height: number, scene: Scene, message: string): boolean {
  const expected = draw(InkOutput, width, height, scene);
  const actual = draw(Output, width, height, scene);
  if (actual.output === expected.output && actual.height === expected.height && actual.calls.join('\n') === expected.calls.join('\n')) {
    return true;
  }

  t.deepEqual(actual, expected, message);
  return false;
}

const red = (s: string) => `\u001B[31m${s}\u001B[39m`;
const bold = (s: string) => `\u001B[1m${s}\u001B[22m`;
const dim = (s: string) => `\u001B[2m${s}\u001B[22m`;
const inverse = (s: string) => `\u001B[7m${s}\u001B[27m`;
const bg = (s: string) => `\u001B[44m${s}\u001B[49m`;
const none = {transformers: []};

test('plain lines, empty text and several lines in one write', (t) => {
  same(t, 20, 4, (o) => {
    o.write(0, 0, 'hello', none);
    o.write(3, 1, 'world  ', none);
    o.write(5, 2, '', none);
    o.write(1, 2, 'one\ntwo\n\nfour', none);
  });
  same(t, 0, 0, (o) => o.write(0, 0, 'nothing fits', none));
  same(t, 5, 3, () => undefined);
});

test('styled lines: colours, bold, dim, inverse, 256 and true colour, unterminated styles', (t) => {
  const frame = same(t, 40, 5, (o) => {
    o.write(0, 0, `${red('red')} ${bold('bold')} ${dim('dim')} ${inverse('inverse')}`, none);
    o.write(0, 1, `${bold(dim('both'))} ${bold(red('bold red'))}`, none);
    o.write(2, 2, '\u001B[38;5;208morange\u001B[39m \u001B[48;2;10;20;30mtrue\u001B[49m', none);
    o.write(0, 3, '\u001B[32mgreen to the end', none);
    o.write(0, 4, bg('   '), none);
    // Neighbours whose styles differ but have as many codes.
    o.write(4, 4, `${red('r')}\u001B[32mg\u001B[39m${bold('b')}${dim('d')}${bold(dim('x'))}${dim(bold('y'))}`, none);
  });
  t.true(frame.output.includes('\u001B[31m'));
});

test('wide characters: CJK, emoji, combining marks, and writes that cut through them', (t) => {
  same(t, 16, 6, (o) => {
    o.write(0, 0, '古池や蛙飛び込む', none);
    o.write(0, 1, '😀 ok 👍🏽 👨‍👩‍👧', none);
    o.write(0, 2, 'cafe\u0301 ñ', none);
    o.write(0, 3, red('中文') + 'x', none);
    o.write(1, 3, 'a', none);
    o.write(0, 4, 'ab', none);
    o.write(1, 4, '日本', none);
    o.write(14, 5, '日本語', none);
  });
});

test('later writes overwrite earlier cells', (t) => {
  same(t, 20, 3, (o) => {
    o.write(0, 0, inverse('x'.repeat(20)), none);
    o.write(5, 0, 'over', none);
    o.write(0, 1, 'abcdefghij', none);
    o.write(2, 1, red('XY'), none);
    o.write(9, 1, '  ', none);
    o.write(0, 2, 'short', none);
    o.write(0, 2, 'longer text', none);
  });
});

test('text taller or wider than the output, and outside it, as the width changes', (t) => {
  // Text past the right edge lands right after the last column, so the width matters to a row
  // even when the writes are the same.
  for (const width of [10, 7, 10, 11]) {
    same(
      t,
      width,
      3,
      (o) => {
        o.write(0, 0, 'a\nb\nc\nd\ne', none);
        o.write(6, 0, 'overflowing the right edge', none);
        o.write(12, 1, 'far right', none);
        o.write(0, 5, 'below', none);
        o.write(-2, 2, 'left of the edge', none);
        o.write(3, -1, 'above\nthen inside', none);
        o.write(9, 2, '日本', none);
      },
      `width ${width}`,
    );
  }
});

test('clips: horizontal, vertical, both, nested with partial overlap, fully outside', (t) => {
  const text = 'abcdefghijklmnop\n' + red('0123456789') + '\n中文字符测试\nlast';
  const clips: Clip[] = [
    {x1: 2, x2: 8, y1: undefined, y2: undefined},
    {x1: undefined, x2: undefined, y1: 1, y2: 3},
    {x1: 3, x2: 7, y1: 1, y2: 2},
    {x1: 0, x2: 30, y1: 0, y2: 30},
    {x1: 20, x2: 25, y1: 0, y2: 5},
    {x1: 0, x2: 5, y1: 6, y2: 9},
    {x1: 3, x2: 3, y1: 2, y2: 2},
    {x1: 5, x2: undefined, y1: undefined, y2: 4},
  ];
  for (const clip of clips) {
    for (const [x, y] of [
      [0, 0],
      [-3, -1],
      [4, 2],
      [8, 3],
      [16, 0],
      [0, 5],
      [-16, 0],
    ] as const) {
      same(
        t,
        24,
        8,
        (o) => {
          o.write(0, 0, '.'.repeat(24), none);
          o.clip(clip);
          o.write(x, y, text, none);
          o.unclip();
          o.write(1, 7, 'after', none);
        },
        `${JSON.stringify(clip)} at ${x},${y}`,
      );
    }
  }

  // Only the innermost clip applies; nested boxes narrow it themselves.
  same(t, 24, 8, (o) => {
    o.clip({x1: 2, x2: 10, y1: 1, y2: 6});
    o.write(0, 0, text, none);
    o.clip({x1: 6, x2: 20, y1: 3, y2: 8});
    o.write(4, 2, text, none);
    o.unclip();
    o.write(0, 4, text, none);
    o.unclip();
    o.unclip();
    o.write(0, 6, text, none);
  });
});

test('transformers run per line after clipping, with the line index', (t) => {
  same(t, 20, 6, (o, tf) => {
    o.write(0, 0, 'one\ntwo\nthree', {transformers: [tf.numbered, tf.green]});
    o.write(10, 0, 'abc', {transformers: [tf.upper, tf.bold, tf.inverse]});
    o.clip({x1: 2, x2: 6, y1: 4, y2: 6});
    o.write(0, 3, 'clipped\nlines\nhere', {transformers: [tf.numbered, tf.wide]});
    o.write(3, 5, 'gone', {transformers: [tf.blank]});
    o.unclip();
    o.write(0, 9, 'off screen', {transformers: [tf.upper]});
  });
});

/** A 120x40 screen like the app's: title, bordered list with a highlight, status line. */
function listScreen(selected: number, top: number, status: string): Scene {
  const width = 120;
  const height = 40;
  return (o, tf) => {
    o.write(0, 0, ' bhyve-tui  bhyve:///system'.padEnd(width), {transformers: [tf.bold, tf.inverse]});
    o.clip({x1: 0, x2: width, y1: 1, y2: height - 1});
    o.write(0, 1, `╭${'─'.repeat(width - 2)}╮`, {transformers: [tf.green]});
    o.write(0, 2, Array.from({length: height - 4}, () => '│').join('\n'), {transformers: [tf.green]});
    o.write(width - 1, 2, Array.from({length: height - 4}, () => '│').join('\n'), {transformers: [tf.green]});
    o.write(0, height - 2, `╰${'─'.repeat(width - 2)}╯`, {transformers: [tf.green]});
    o.clip({x1: 1, x2: width - 1, y1: 2, y2: height - 2});
    for (let row = 0; row < height - 4; row++) {
      const index = top + row;
      const name = `dom${String(index).padStart(3, '0')}`;
      const line = `${index === selected ? '›' : ' '} ${name.padEnd(20)}${index % 2 ? 'shut off' : red('running')}`.padEnd(width + 10);
      o.write(1, 2 + row, line, {transformers: index === selected ? [tf.inverse] : []});
    }

    o.unclip();
    o.unclip();
    o.write(0, height - 1, dim(status), none);
  };
}

test('a 120x40 list frame with a moving highlight, 50 frames in a row', (t) => {
  for (let frame = 0; frame < 50; frame++) {
    // Down, then back up, then the list scrolls (every row changes) for the last frames.
    const selected = frame < 30 ? frame : frame < 40 ? 59 - frame : frame;
    const top = frame < 40 ? 0 : frame - 35;
    same(t, 120, 40, listScreen(selected, top, `${frame} domains`), `frame ${frame}`);
  }
});

/** mulberry32: small, seeded, good enough to vary the scenes. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d_2b_79_f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type RandomOp = {type: 'write'; x: number; y: number; text: string; transformers: Array<keyof Transformers>} | {type: 'clip'; clip: Clip} | {type: 'unclip'};

test('thousands of random frames, each a small change of the one before', (t) => {
  const next = random(20_240_611);
  const int = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const pieces = ['hello', 'The quick brown fox', ' ', '', 'a', '古池や', '😀👍🏽', 'e\u0301', '日本語テキスト', '│', '─────', 'x'.repeat(30)];
  const styles = [(s: string) => s, red, bold, dim, inverse, bg, (s: string) => `\u001B[33m${s}`];
  const line = () => {
    let text = '';
    for (let count = int(1, 3); count > 0; count--) {
      text += pick(styles)(next() < 0.1 ? String(int(0, 1_000_000)) : pick(pieces));
    }

    return text;
  };

  const coordinate = (size: number) => (next() < 0.03 ? int(0, 2 * size) + 0.5 : int(-3, size + 3));
  const sizes: ReadonlyArray<readonly [number, number]> = [
    [12, 6],
    [20, 8],
    [7, 3],
    [30, 10],
    [1, 1],
    [9, 6],
    [20, 3],
  ];
  const transformerNames = ['upper', 'bold', 'inverse', 'green', 'numbered', 'wide', 'blank'] as const;
  const randomOp = (width: number, height: number): RandomOp => {
    const roll = next();
    if (roll < 0.12) {
      const maybe = (value: number) => (next() < 0.2 ? undefined : value);
      const x1 = int(-2, width);
      const y1 = int(-2, height);
      return {type: 'clip', clip: {x1: maybe(x1), x2: maybe(x1 + int(-1, width)), y1: maybe(y1), y2: maybe(y1 + int(-1, height))}};
    }

    if (roll < 0.2) {
      return {type: 'unclip'};
    }

    const lines = Array.from({length: next() < 0.7 ? 1 : int(2, height + 2)}, line);
    const applied = next() < 0.6 ? [] : Array.from({length: int(1, 2)}, () => pick(transformerNames));
    return {type: 'write', x: coordinate(width), y: coordinate(height), text: lines.join('\n'), transformers: applied};
  };

  const sceneOf =
    (ops: RandomOp[]): Scene =>
    (o, tf) => {
      for (const op of ops) {
        if (op.type === 'write') {
          o.write(op.x, op.y, op.text, {transformers: op.transformers.map((name) => tf[name])});
        } else if (op.type === 'clip') {
          o.clip(op.clip);
        } else {
          o.unclip();
        }
      }
    };

  let [width, height] = sizes[0]!;
  let ops = Array.from({length: 12}, () => randomOp(width, height));
  const other = Array.from({length: 5}, () => randomOp(width, height));
  for (let frame = 0; frame < 4000; frame++) {
    if (next() < 0.03) {
      [width, height] = pick(sizes);
    }

    // Mostly small edits, so most rows repeat from the frame before; now and then a new scene.
    ops = next() < 0.02 ? Array.from({length: int(0, 20)}, () => randomOp(width, height)) : [...ops];
    for (let edits = int(0, 3); edits > 0; edits--) {
      const at = int(0, ops.length);
      const edit = next();
      const op = ops[at];
      if (edit < 0.3 && op?.type === 'write') {
        // The same text elsewhere: only the position tells the rows apart.
        ops[at] = {...op, x: op.x + int(-1, 1), y: op.y + int(-1, 1)};
      } else if (edit < 0.5 && ops.length > 0) {
        ops[Math.min(at, ops.length - 1)] = randomOp(width, height);
      } else if (edit < 0.75) {
        ops.splice(at, 0, randomOp(width, height));
      } else {
        ops.splice(at, 1);
      }
    }

    if (!agrees(t, width, height, sceneOf(ops), `frame ${frame}, ${width}x${height}`)) {
      return;
    }

    // Ink draws <Static> output with another Output in the same frame, often of the same width.
    if (next() < 0.2 && !agrees(t, width, next() < 0.5 ? height : int(0, 4), sceneOf(other), `static output of frame ${frame}`)) {
      return;
    }
  }

  t.pass();
});

test('the plugin puts our Output into a bundle of Ink, which draws the same with it', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-tui-ink-output-'));
  t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
  // Ink imports react-devtools-core only in development; it is not installed.
  const stub = path.join(dir, 'devtools-stub.js');
  fs.writeFileSync(stub, 'export default {connectToDevTools() {}};\n');
  const env = {...process.env, FORCE_COLOR: '1'};
  const bundleAndRun = async (name: string, plugins: Array<import('esbuild').Plugin>) => {
    const bundle = path.join(dir, name);
    await build({
      stdin: {
        contents:
          "import React from 'react'; import {Box, Text, renderToString} from 'ink';\n" +
          "console.log(renderToString(React.createElement(Box, {borderStyle: 'round', width: 12, overflow: 'hidden'}, React.createElement(Text, {color: 'green'}, 'hello 日本 wrapped'))));",
        resolveDir: repoRoot,
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      logLevel: 'silent',
      alias: {'react-devtools-core': stub},
      define: {'process.env.NODE_ENV': '"production"'},
      banner: {js: "import {createRequire} from 'node:module'; const require = createRequire(import.meta.url);"},
      plugins,
    });
    return {text: fs.readFileSync(bundle, 'utf8'), printed: execFileSync(process.execPath, [bundle], {encoding: 'utf8', env})};
  };

  const ours = await bundleAndRun('ours.mjs', [plugin.inkOutputPlugin]);
  const inks = await bundleAndRun('inks.mjs', []);
  t.true(ours.text.includes(Output.implementation));
  t.false(inks.text.includes(Output.implementation));
  t.regex(ours.printed, /╭─+╮\n│\u001B\[32mhello 日本\u001B\[39m/);
  t.is(ours.printed, inks.printed);
});

test('the plugin refuses other Ink versions, and builds where it never applied', async (t) => {
  t.is(plugin.supportedInkVersion, '6.8.0');
  t.deepEqual(plugin.checkInkVersion(path.join(inkBuild, '..', 'package.json')), {name: 'ink', version: '6.8.0'});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-tui-ink-output-'));
  t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
  // A stand-in Ink package of another version, laid out like the real one.
  const ink = path.join(dir, 'node_modules', 'ink');
  fs.mkdirSync(path.join(ink, 'build'), {recursive: true});
  fs.writeFileSync(path.join(ink, 'package.json'), JSON.stringify({name: 'ink', version: '6.9.0', type: 'module', exports: './build/index.js'}));
  fs.writeFileSync(path.join(ink, 'build', 'index.js'), "export {default} from './output.js';\n");
  fs.writeFileSync(path.join(ink, 'build', 'output.js'), 'export default class Output {}\n');
  t.throws(() => plugin.checkInkVersion(path.join(ink, 'package.json')), {message: /6\.8\.0.*ink@6\.9\.0/});
  const options: import('esbuild').BuildOptions = {bundle: true, write: false, logLevel: 'silent', platform: 'node', plugins: [plugin.inkOutputPlugin]};
  const refused = await t.throwsAsync(build({...options, stdin: {contents: "import Output from 'ink'; console.log(Output);", resolveDir: dir}}));
  t.regex(refused.message, /ink@6\.9\.0/);
  const unused = await t.throwsAsync(build({...options, stdin: {contents: 'console.log(1);', resolveDir: dir}}));
  t.regex(unused.message, /no import of \.\/output\.js/);
});
