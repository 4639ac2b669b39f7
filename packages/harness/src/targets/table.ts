// The target table: every machine edgeq builds for, with the facts a build and a
// run need (compiler CPU flags, memory map, QEMU machine, instruction counter).
// Memory maps are QEMU 7.2's (`info mtree`); instructions per SysTick tick were
// measured under `-icount shift=0` with a loop of known length (see
// test/cortexm-firmware.test.ts, which re-verifies them on every run).

/** Identifier of a build/run target. */
export type TargetId = 'host' | 'cortex-m0' | 'cortex-m3' | 'cortex-m4' | 'cortex-m7' | 'cortex-m33' | 'cortex-m0-mps2';

/** A contiguous memory region of a target. */
export interface MemoryRegion {
  /** First address. */
  readonly origin: number;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * How executed instructions are counted on an emulated core: QEMU `-icount shift=0`
 * advances virtual time 1 ns per instruction, and SysTick (CLKSOURCE = core clock)
 * ticks at the board's clock, so one tick = `num / den` executed instructions.
 * A measured region is exact to within one tick. These are instructions, not cycles.
 */
export interface InstructionCounter {
  readonly method: 'systick-icount';
  /** Emulated core clock that drives SysTick, in Hz. */
  readonly clockHz: number;
  /** Instructions per tick, numerator. */
  readonly instrPerTickNum: number;
  /** Instructions per tick, denominator. */
  readonly instrPerTickDen: number;
}

/** A Cortex-M core emulated by qemu-system-arm and built with arm-none-eabi-gcc. */
export interface CortexMTarget {
  readonly kind: 'cortex-m';
  readonly id: Exclude<TargetId, 'host'>;
  /** Human-readable name, e.g. "Cortex-M4 (QEMU mps2-an386)". */
  readonly title: string;
  /** `-M` value for qemu-system-arm. */
  readonly qemuMachine: string;
  /** arm-none-eabi-gcc flags selecting CPU, instruction set and float ABI (also used to link). */
  readonly cpuFlags: readonly string[];
  /** The core has the DSP extension (`__ARM_FEATURE_DSP`). */
  readonly dsp: boolean;
  /** FPU enabled by the build (startup sets CPACR when the compiler targets one). */
  readonly fpu: 'none' | 'fpv4-sp-d16' | 'fpv5-d16' | 'fpv5-sp-d16';
  /** Where code, constants and the .data image go. */
  readonly flash: MemoryRegion;
  /** Where .data, .bss (with the model arena) and the stack go. */
  readonly ram: MemoryRegion;
  /** Default stack reservation in bytes. */
  readonly defaultStackSize: number;
  readonly counter: InstructionCounter;
  /** Notes worth showing users (e.g. security state at boot). */
  readonly notes: string;
  /**
   * The target whose instruction stream this one runs on another memory map (same `-mcpu`,
   * same code, same counts), e.g. Cortex-M0 code on a board with room for larger models.
   */
  readonly sameCodeAs?: Exclude<TargetId, 'host'>;
}

/** The build machine itself (gcc, run natively). */
export interface HostTarget {
  readonly kind: 'host';
  readonly id: 'host';
  readonly title: string;
  /** C compiler command. */
  readonly cc: string;
}

/** Any target. */
export type Target = CortexMTarget | HostTarget;

const KiB = 1024;
const MiB = 1024 * KiB;

function systick(clockHz: number, num: number, den: number): InstructionCounter {
  return { method: 'systick-icount', clockHz, instrPerTickNum: num, instrPerTickDen: den };
}

/**
 * Memory map, stack and SysTick clock shared by the MPS2 FPGA images QEMU emulates for
 * Cortex-M3/M4/M7 (AN385, AN386, AN500): 4 MiB code at 0, 4 MiB RAM at 0x2000_0000, SysTick
 * at 25 MHz (measured for all three).
 */
const MPS2_BOARD = {
  flash: { origin: 0x0000_0000, size: 4 * MiB },
  ram: { origin: 0x2000_0000, size: 4 * MiB },
  defaultStackSize: 8 * KiB,
  counter: systick(25_000_000, 40, 1),
} as const;

/** Every target, keyed by id. */
export const TARGETS: Readonly<Record<TargetId, Target>> = {
  host: { kind: 'host', id: 'host', title: 'host (gcc, native)', cc: 'gcc' },
  'cortex-m0': {
    kind: 'cortex-m',
    id: 'cortex-m0',
    title: 'Cortex-M0 (QEMU microbit, nRF51822)',
    qemuMachine: 'microbit',
    cpuFlags: ['-mcpu=cortex-m0', '-mthumb', '-mfloat-abi=soft'],
    dsp: false,
    fpu: 'none',
    flash: { origin: 0x0000_0000, size: 256 * KiB },
    ram: { origin: 0x2000_0000, size: 16 * KiB },
    defaultStackSize: 2 * KiB,
    // nRF51 runs SysTick from the 16 MHz core clock: 62.5 instructions per tick.
    counter: systick(16_000_000, 125, 2),
    notes: 'ARMv6-M: no DSP, no FPU, no hardware divide; 16 KB RAM.',
  },
  'cortex-m3': {
    kind: 'cortex-m',
    id: 'cortex-m3',
    title: 'Cortex-M3 (QEMU mps2-an385)',
    qemuMachine: 'mps2-an385',
    cpuFlags: ['-mcpu=cortex-m3', '-mthumb', '-mfloat-abi=soft'],
    dsp: false,
    fpu: 'none',
    ...MPS2_BOARD,
    notes: 'ARMv7-M: no DSP extension.',
  },
  'cortex-m4': {
    kind: 'cortex-m',
    id: 'cortex-m4',
    title: 'Cortex-M4F (QEMU mps2-an386)',
    qemuMachine: 'mps2-an386',
    cpuFlags: ['-mcpu=cortex-m4', '-mthumb', '-mfpu=fpv4-sp-d16', '-mfloat-abi=hard'],
    dsp: true,
    fpu: 'fpv4-sp-d16',
    ...MPS2_BOARD,
    notes: 'ARMv7E-M with DSP and single-precision FPU.',
  },
  'cortex-m7': {
    kind: 'cortex-m',
    id: 'cortex-m7',
    title: 'Cortex-M7 (QEMU mps2-an500)',
    qemuMachine: 'mps2-an500',
    cpuFlags: ['-mcpu=cortex-m7', '-mthumb', '-mfpu=fpv5-d16', '-mfloat-abi=hard'],
    dsp: true,
    fpu: 'fpv5-d16',
    ...MPS2_BOARD,
    notes: 'ARMv7E-M with DSP and double-precision FPU; QEMU does not model its caches or dual issue.',
  },
  'cortex-m33': {
    kind: 'cortex-m',
    id: 'cortex-m33',
    title: 'Cortex-M33 (QEMU mps2-an505)',
    qemuMachine: 'mps2-an505',
    cpuFlags: ['-mcpu=cortex-m33', '-mthumb', '-mfpu=fpv5-sp-d16', '-mfloat-abi=hard'],
    dsp: true,
    fpu: 'fpv5-sp-d16',
    // Boots in Secure state: code in SSRAM1's secure alias, data in SSRAM2's.
    flash: { origin: 0x1000_0000, size: 4 * MiB },
    ram: { origin: 0x3800_0000, size: 2 * MiB },
    defaultStackSize: 8 * KiB,
    counter: systick(20_000_000, 50, 1),
    notes: 'ARMv8-M Mainline with DSP and FPU; runs Secure (no TrustZone partitioning).',
  },
  // The microbit holds none of the MLPerf Tiny models (16 KB RAM, 256 KB flash); this target
  // builds the same ARMv6-M code for the AN385 board, whose memory map holds them all.
  'cortex-m0-mps2': {
    kind: 'cortex-m',
    id: 'cortex-m0-mps2',
    title: 'Cortex-M0 code (ARMv6-M) on QEMU mps2-an385',
    qemuMachine: 'mps2-an385',
    cpuFlags: ['-mcpu=cortex-m0', '-mthumb', '-mfloat-abi=soft'],
    dsp: false,
    fpu: 'none',
    ...MPS2_BOARD,
    sameCodeAs: 'cortex-m0',
    notes:
      'ARMv6-M code on the MPS2 AN385 memory map: same instruction stream and counts as on a Cortex-M0; ' +
      'QEMU executes it on its Cortex-M3 model, so unaligned accesses that would fault on a real M0 are not caught — ' +
      'the microbit target (cortex-m0) remains the M0 check for models that fit.',
  },
};

/**
 * Ids of the emulated Cortex-M targets: one per core, smallest core first, then cortex-m0-mps2
 * (Cortex-M0 code on a board with room for larger models).
 */
export const CORTEX_M_TARGET_IDS = ['cortex-m0', 'cortex-m3', 'cortex-m4', 'cortex-m7', 'cortex-m33', 'cortex-m0-mps2'] as const;

/** Looks a target up by id; throws listing the valid ids when unknown. */
export function getTarget(id: string): Target {
  const t = (TARGETS as Record<string, Target | undefined>)[id];
  if (!t) {
    throw new Error(`unknown target "${id}"; known targets: ${Object.keys(TARGETS).join(', ')}`);
  }
  return t;
}

/** Looks up a Cortex-M target; throws when the id is unknown or names the host. */
export function getCortexMTarget(id: string): CortexMTarget {
  const t = getTarget(id);
  if (t.kind !== 'cortex-m') {
    throw new Error(`target "${id}" is not an emulated Cortex-M core`);
  }
  return t;
}

/** Converts SysTick ticks to executed instructions (exact rational, rounded down). */
export function ticksToInstructions(counter: InstructionCounter, ticks: number): number {
  return Math.floor((ticks * counter.instrPerTickNum) / counter.instrPerTickDen);
}
