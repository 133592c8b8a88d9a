// esbuild plugin: Ink's renderer gets ui/render/ink-output.ts instead of its own build/output.js
// (see that file for why). The replacement is written against one Ink version, so the build
// fails if another one is installed, or if the import it replaces was never seen (Ink moved
// or renamed it, and the bundle would silently draw with Ink's slow Output again).
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const supportedInkVersion = '6.8.0';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const replacement = path.join(root, 'ui', 'render', 'ink-output.ts');

/** The package.json's `name` and `version`; throws unless it is the supported Ink version. */
export function checkInkVersion(packageJsonPath) {
  const {name, version} = JSON.parse(readFileSync(packageJsonPath, 'utf8'));
  if (name !== 'ink' || version !== supportedInkVersion) {
    throw new Error(
      `${replacement} replaces the Output of ink ${supportedInkVersion}, but ${packageJsonPath} is ${name}@${version}; check the replacement against that version's build/output.js and update supportedInkVersion`,
    );
  }

  return {name, version};
}

/** Whether `dir` is an Ink package's build directory (where renderer.js imports ./output.js). */
function isInkBuildDir(dir) {
  if (path.basename(dir) !== 'build') {
    return false;
  }

  try {
    return JSON.parse(readFileSync(path.join(dir, '..', 'package.json'), 'utf8')).name === 'ink';
  } catch {
    return false;
  }
}

export const inkOutputPlugin = {
  name: 'ink-output',
  setup(build) {
    let redirected = false;
    build.onStart(() => {
      redirected = false;
    });
    build.onResolve({filter: /^\.\/output\.js$/}, (args) => {
      if (!isInkBuildDir(args.resolveDir)) {
        return undefined;
      }

      try {
        checkInkVersion(path.join(args.resolveDir, '..', 'package.json'));
      } catch (error) {
        return {errors: [{text: error.message}]};
      }

      redirected = true;
      return {path: replacement};
    });
    build.onEnd((result) => {
      if (!redirected && result.errors.length === 0) {
        return {
          errors: [
            {
              text: `ink-output plugin: no import of ./output.js from Ink's build directory was seen, so ${replacement} was not used; bundle Ink (is it external?) or drop the plugin from this build`,
            },
          ],
        };
      }

      return undefined;
    });
  },
};
