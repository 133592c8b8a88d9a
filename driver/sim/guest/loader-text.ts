// What the FreeBSD userboot loader and GRUB print on the console. Lines end in \r\n:
// the console is a raw tty.
export const CRLF = '\r\n';

export function userbootBanner(): string[] {
  return [
    'Consoles: userboot  ',
    '',
    'FreeBSD/amd64 User boot lua, Revision 1.1',
    '(Fri Nov 29 06:02:41 UTC 2024 root@releng1.nyi.freebsd.org)',
    'Loading /boot/defaults/loader.conf',
    'Loading /boot/device.hints',
    'Loading /boot/loader.conf',
    'Loading /boot/loader.conf.local',
  ];
}

export function userbootMenu(): string[] {
  return [
    ' /---------- Welcome to FreeBSD -----------\\',
    ' |                                          |',
    ' |  1. Boot Multi user [Enter]              |',
    ' |  2. Boot Single user                     |',
    ' |  3. Escape to loader prompt              |',
    ' |  4. Reboot                               |',
    ' |  5. Cons: Serial                         |',
    ' |                                          |',
    ' |  Options:                                |',
    ' |  6. Kernel: default/kernel (1 of 1)      |',
    ' |  7. Boot Options                         |',
    ' |                                          |',
    ' \\------------------------------------------/',
    '',
  ];
}

export function userbootKernelLoad(): string[] {
  return [
    'Loading kernel...',
    '/boot/kernel/kernel text=0x1a8bb40 data=0x1c0 data=0x28c6b8+0x4a1948 syms=[0x8+0x1af318+0x8+0x18d2d0]',
    'Loading configured modules...',
    "can't find '/etc/hostid'",
    'Booting...',
  ];
}

export function grubScreen(root: string): string[] {
  return [
    '',
    '                             GNU GRUB  version 2.00',
    '',
    ' +--------------------------------------------------------------------------+',
    ` |*Linux (on ${root})`.padEnd(76) + '|',
    ' |  Advanced options                                                        |',
    ' +--------------------------------------------------------------------------+',
    '',
    '      Use the ^ and v keys to select which entry is highlighted.',
    "      Press enter to boot the selected OS, `e' to edit the commands",
    "      before booting or `c' for a command-line.",
    '',
  ];
}
