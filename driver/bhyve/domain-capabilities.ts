// The <domainCapabilities> document for bhyve (virsh domcapabilities),
// formatted like libvirt 11.3.0.

import type {BhyveCaps} from './capabilities.js';
import {XmlBuffer} from '../xml/writer.js';
import {BHYVE_PATH} from './command-build.js';

export interface DomainCapsInput {
  caps: BhyveCaps;
  /** Firmware files offered for <os><loader> (only listed with LPC_BOOTROM). */
  firmwares: readonly string[];
  emulator?: string;
  arch?: string;
  machine?: string;
  virttype?: string;
}

export function formatDomainCapabilities(input: DomainCapsInput): string {
  const buf = new XmlBuffer();
  const caps = input.caps;
  const enumOf = (name: string, values: readonly string[]) => {
    buf.element('enum', [['name', name]], () => {
      for (const v of values) buf.text('value', v);
    });
  };
  buf.element('domainCapabilities', [], () => {
    buf.text('path', input.emulator ?? BHYVE_PATH);
    buf.text('domain', input.virttype ?? 'bhyve');
    if (input.machine) buf.text('machine', input.machine);
    buf.text('arch', input.arch ?? 'x86_64');
    buf.empty('iothreads', [['supported', 'no']]);
    buf.element('os', [['supported', 'yes']], () => {
      if (caps.has('LPC_BOOTROM')) {
        buf.element('loader', [['supported', 'yes']], () => {
          for (const f of input.firmwares) buf.text('value', f);
          enumOf('type', ['pflash']);
          enumOf('readonly', ['yes']);
        });
      } else {
        buf.empty('loader', [['supported', 'no']]);
      }
    });
    buf.element('cpu', [], () => {
      for (const m of ['host-passthrough', 'maximum', 'host-model', 'custom'])
        buf.empty('mode', [
          ['name', m],
          ['supported', 'no'],
        ]);
    });
    buf.element('devices', [], () => {
      buf.element('disk', [['supported', 'yes']], () => {
        enumOf('diskDevice', ['disk', 'cdrom']);
        enumOf('bus', ['virtio', 'sata']);
        buf.empty('enum', [['name', 'model']]);
      });
      if (caps.has('FBUF')) {
        buf.element('graphics', [['supported', 'yes']], () => enumOf('type', ['vnc']));
        buf.element('video', [['supported', 'yes']], () => enumOf('modelType', ['gop']));
      } else {
        buf.empty('graphics', [['supported', 'no']]);
        buf.empty('video', [['supported', 'no']]);
      }
      buf.empty('hostdev', [['supported', 'no']]);
      if (caps.has('VIRTIO_RND')) {
        buf.element('rng', [['supported', 'yes']], () => {
          enumOf('model', ['virtio']);
          enumOf('backendModel', ['random']);
        });
      }
    });
    buf.element('features', [], () => {
      for (const f of ['gic', 'vmcoreinfo', 'genid', 'sev', 'sgx']) buf.empty(f, [['supported', 'no']]);
    });
  });
  return buf.toString();
}
