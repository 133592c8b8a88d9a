// /var/run/dmesg.boot of the simulated host: the kernel's boot messages, of which the
// CPU lines matter to a bhyve manager. identcpu.c prints "VT-x:" (Intel, from the VMX
// capability MSRs) with "(disabled in BIOS)" when IA32_FEATURE_CONTROL has VMX off; vmm
// then fails to load. It follows host.json: `vmmHardware: false` is a CPU whose VT-x the
// firmware disabled. Rewritten with host.json, as if the host booted with that state.
import type {HostState} from './host-state.js';
import {GUEST_BUILD} from './guest/boot-text.js';

export function dmesgBootText(st: HostState): string {
  const release = st.osrelease;
  const vtx = `  VT-x: ${st.vmmHardware ? '' : '(disabled in BIOS) '}PAT,HLT,MTF,PAUSE,EPT,UG,VPID,VID,PostIntr`;
  return [
    '---<<BOOT>>---',
    'Copyright (c) 1992-2024 The FreeBSD Project.',
    'Copyright (c) 1979, 1980, 1983, 1986, 1988, 1989, 1991, 1992, 1993, 1994',
    '\tThe Regents of the University of California. All rights reserved.',
    'FreeBSD is a registered trademark of The FreeBSD Foundation.',
    `FreeBSD ${release} ${GUEST_BUILD} GENERIC amd64`,
    'FreeBSD clang version 18.1.6 (https://github.com/llvm/llvm-project.git llvmorg-18.1.6-0-g1118c2e05e67)',
    'VT(efifb): resolution 1024x768',
    'CPU: Intel(R) Xeon(R) CPU E5-2640 v4 @ 2.40GHz (2400.05-MHz K8-class CPU)',
    '  Origin="GenuineIntel"  Id=0x406f1  Family=0x6  Model=0x4f  Stepping=1',
    '  Features=0xbfebfbff<FPU,VME,DE,PSE,TSC,MSR,PAE,MCE,CX8,APIC,SEP,MTRR,PGE,MCA,CMOV,PAT,PSE36,CLFLUSH,DTS,ACPI,MMX,FXSR,SSE,SSE2,SS,HTT,TM,PBE>',
    '  Features2=0x7ffefbff<SSE3,PCLMULQDQ,DTES64,MON,DS_CPL,VMX,SMX,EST,TM2,SSSE3,SDBG,FMA,CX16,xTPR,PDCM,PCID,DCA,SSE4.1,SSE4.2,x2APIC,MOVBE,POPCNT,TSCDLT,AESNI,XSAVE,OSXSAVE,AVX,F16C,RDRAND>',
    '  AMD Features=0x2c100800<SYSCALL,NX,Page1GB,RDTSCP,LM>',
    '  AMD Features2=0x121<LAHF,ABM,Prefetch>',
    vtx,
    '  TSC: P-state invariant, performance statistics',
    `real memory  = ${st.physmemBytes} (${Math.round(st.physmemBytes / 1024 / 1024)} MB)`,
    `avail memory = ${Math.round(st.physmemBytes * 0.95)} (${Math.round((st.physmemBytes * 0.95) / 1024 / 1024)} MB)`,
    'Event timer "LAPIC" quality 600',
    'ACPI APIC Table: <ALASKA A M I >',
    `FreeBSD/SMP: Multiprocessor System Detected: ${st.ncpu} CPUs`,
    `FreeBSD/SMP: 1 package(s) x ${st.ncpu} core(s)`,
    SIM_DMESG_LAST_LINE,
    '',
  ].join('\n');
}

/**
 * Not a kernel message: how the simulator tells its own dmesg.boot (rewritten with host.json)
 * from one a test or user put there, which it leaves alone. Nothing reads it.
 */
const SIM_DMESG_LAST_LINE = 'bhyve-tui simulated host: these boot messages follow host.json (driver/sim/README.md)';

export function isSimDmesgBoot(text: string): boolean {
  if (text.startsWith('---<<BOOT>>---\n') && text.endsWith(`\n${SIM_DMESG_LAST_LINE}\n`)) return true;
  // Written before that line existed: the same text, line for line, where no host.json
  // field enters it.
  const lines = text.split('\n');
  const [a, b] = [olderText(14.2, true, 4), olderText(10.4, false, 6)];
  return lines.length === a.length && lines.every((l, i) => a[i] !== b[i] || l === a[i]);
}

function olderText(release: number, vmmHardware: boolean, ncpu: number): string[] {
  const lines = dmesgBootText({osrelease: `${release}-RELEASE`, vmmHardware, ncpu, physmemBytes: ncpu * 2 ** 30} as HostState).split('\n');
  return [...lines.slice(0, -2), ''];
}
