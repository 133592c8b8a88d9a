// The two conversions behind `virsh domxml-to-native bhyve-argv` and
// `virsh domxml-from-native bhyve-argv`, with libvirt's semantics.

import {CommandBuildError, VirError} from '../domain/errors.js';
import {parseDomainXml, type DomainParseOptions} from '../domain/xml-parse.js';
import {formatDomainXml} from '../domain/xml-format.js';
import {buildBhyveCommand, buildLoaderCommand, DEVICE_MAP_PLACEHOLDER, type BuildContext} from './command-build.js';
import {renderCommandLineFlat} from './argv-render.js';
import {parseNativeArgv, type NativeParseOptions} from './native-argv-parse.js';
import type {DomainDef} from '../domain/model.js';

/** The only native format the bhyve driver knows. */
export const BHYVE_NATIVE_FORMAT = 'bhyve-argv';

export interface ToNativeOptions extends Omit<BuildContext, 'dryRun' | 'tapNames' | 'deviceMapPath'> {
  format?: string;
  parse?: DomainParseOptions;
}

/**
 * Domain XML -> native command lines (loader line, then bhyve line), one
 * command per line with full program paths. Like libvirt this is a dry
 * run: taps are called tap0, no VNC port is taken, and <os firmware='efi'>
 * is not resolved. Throws DomainXmlError / CommandBuildError / VirError.
 */
export function domainXmlToNative(xml: string, opts: ToNativeOptions): string {
  if ((opts.format ?? BHYVE_NATIVE_FORMAT) !== BHYVE_NATIVE_FORMAT) {
    throw new VirError('invalid-arg', `Unsupported config type ${opts.format}`);
  }
  const def = parseDomainXml(xml, {caps: opts.caps, ...opts.parse});
  return domainDefToNative(def, opts);
}

/** Same as domainXmlToNative for an already parsed definition. */
export function domainDefToNative(def: DomainDef, opts: ToNativeOptions): string {
  const ctx: BuildContext = {...opts, dryRun: true, deviceMapPath: DEVICE_MAP_PLACEHOLDER, autoPrepare: false};
  let out = '';
  if (def.bootloader === undefined && def.os.loader) {
    if (def.os.loader.readonly !== 'yes' || def.os.loader.type !== 'pflash') {
      throw new CommandBuildError('loader', 'config-unsupported', 'Only read-only pflash is supported.');
    }
    if (!opts.caps.has('LPC_BOOTROM')) {
      throw new CommandBuildError('loader', 'config-unsupported', 'Installed bhyve binary does not support bootrom');
    }
  } else {
    const ld = buildLoaderCommand(def, ctx);
    if (ld) out += renderCommandLineFlat(ld.argv);
  }
  out += renderCommandLineFlat(buildBhyveCommand(def, ctx));
  return out;
}

export interface FromNativeOptions extends NativeParseOptions {
  format?: string;
  /** Show the VNC password (libvirt's API does not). */
  secure?: boolean;
}

/** Native command lines -> domain XML as `virsh domxml-from-native` prints it. Throws NativeArgvError / VirError. */
export function nativeToDomainXml(text: string, opts: FromNativeOptions): string {
  if ((opts.format ?? BHYVE_NATIVE_FORMAT) !== BHYVE_NATIVE_FORMAT) {
    throw new VirError('invalid-arg', `unsupported config type ${opts.format}`);
  }
  const def = parseNativeArgv(text, opts);
  return formatDomainXml(def, {inactive: false, secure: opts.secure ?? false});
}
