// A stand-in for the operator's $EDITOR: `node scripted-editor.mjs STEPS FILE`. STEPS is a
// JSON array with one step per time the editor is run (counted in STEPS.n): {"replace":
// [FROM, TO]} edits FILE, {"exit": N} leaves it and exits N, {} saves it unchanged. What it
// was given is copied to STEPS.seen.N, so a test can read what the operator would have seen.
import fs from 'node:fs';

const [stepsFile, file] = process.argv.slice(2);
const counter = `${stepsFile}.n`;
const n = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;
fs.writeFileSync(counter, String(n));
const text = fs.readFileSync(file, 'utf8');
fs.writeFileSync(`${stepsFile}.seen.${n}`, text);
const step = JSON.parse(fs.readFileSync(stepsFile, 'utf8'))[n - 1] ?? {};
if (step.replace) {
  const [from, to] = step.replace;
  if (!text.includes(from)) {
    process.stderr.write(`scripted-editor: step ${n}: ${JSON.stringify(from)} is not in ${file}\n`);
    process.exit(3);
  }
  fs.writeFileSync(file, text.replace(from, to));
}
process.exit(step.exit ?? 0);
