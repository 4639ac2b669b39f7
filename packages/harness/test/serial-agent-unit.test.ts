// The serial agent without an emulator: the frame codec (CRC-16/CCITT-FALSE,
// encoding, resynchronisation after garbage and damage), the INFO layout, the
// agent's C sources under the strict flags for every port (the STM32 HAL port
// against a stand-in HAL header declaring the functions it calls), and the
// firmware-directory hook.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReferenceModel } from '@edgeq/ir';
import { writeFirmwareDir } from '@edgeq/codegen';
import {
  FRAME,
  FrameDecoder,
  SERIAL_AGENT_TEMPLATE_DIR,
  STRICT_C_FLAGS,
  crc16,
  encodeFrame,
  graphHash,
  parseAgentInfo,
  runCompiler,
  writeSerialAgentDir,
} from '../src/index.js';

describe('frame codec', () => {
  it('CRC-16/CCITT-FALSE has the catalogue check value 0x29B1 for "123456789"', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x29b1);
  });

  it('encodes the documented layout and decodes it back', () => {
    // 'E' 'Q', type 0x02, seq 7, length 3 (LE), payload 1 2 3, CRC over type..payload (LE).
    const f = encodeFrame(0x02, 7, Uint8Array.of(1, 2, 3));
    expect(Array.from(f.subarray(0, 9))).toEqual([0x45, 0x51, 0x02, 7, 3, 0, 1, 2, 3]);
    const crc = crc16(Uint8Array.of(0x02, 7, 3, 0, 1, 2, 3));
    expect([f[9], f[10]]).toEqual([crc & 0xff, crc >> 8]);
    expect(new FrameDecoder().push(f)).toEqual([{ type: 2, seq: 7, payload: Uint8Array.of(1, 2, 3) }]);
  });

  it('skips garbage, drops a damaged frame and finds the next one, across chunk boundaries', () => {
    const good = encodeFrame(FRAME.reply | FRAME.run, 9, new Uint8Array(10).fill(5));
    const damaged = encodeFrame(FRAME.layer, 9, new Uint8Array(20).fill(6));
    damaged[12] ^= 1;
    const stream = Uint8Array.from([0x00, 0x45, 0x13, ...damaged, 0x51, ...good]);
    const d = new FrameDecoder();
    const frames = [...d.push(stream.subarray(0, 17)), ...d.push(stream.subarray(17))];
    expect(frames.map((f) => [f.type, f.seq, f.payload.length])).toEqual([[0x83, 9, 10]]);
    expect(d.damaged).toBe(1);
  });

  it('resync gives up on a frame whose length never arrives and finds the frame inside it', () => {
    const boot = encodeFrame(FRAME.boot, 0, new Uint8Array(9));
    // A header claiming 900 bytes, then a complete BOOT frame, then silence.
    const d = new FrameDecoder(1024);
    expect(d.push(Uint8Array.from([0x45, 0x51, 0x90, 3, 0x84, 0x03, ...boot]))).toEqual([]);
    expect(d.resync().map((f) => f.type)).toEqual([FRAME.boot]);
  });

  it('parses an INFO payload laid out as edgeq_agent.h says', () => {
    const name = new TextEncoder().encode('m');
    const p = new Uint8Array(28 + name.length + 8);
    const v = new DataView(p.buffer);
    p[0] = 1; // version
    p[1] = 2; // SysTick
    v.setUint16(2, 1024, true);
    v.setUint32(4, 784, true);
    v.setUint32(8, 10, true);
    v.setUint16(12, 2, true);
    p[14] = name.length;
    p.set([1, 2, 3, 4, 5, 6, 7, 8], 16);
    v.setUint32(24, 25_000_000, true);
    p.set(name, 28);
    v.setUint32(29, 3136, true);
    v.setUint32(33, 10, true);
    expect(parseAgentInfo(p)).toEqual({
      protocolVersion: 1, counter: 'systick', maxPayload: 1024, inputBytes: 784, outputBytes: 10,
      graphHash: '0102030405060708', coreHz: 25_000_000, name: 'm', opOutputBytes: [3136, 10],
    });
    expect(() => parseAgentInfo(p.subarray(0, p.length - 1))).toThrow(/does not match 2 ops/);
  });
});

describe('agent C sources', () => {
  it('every port compiles with the strict flags (STM32 HAL against a stand-in HAL header)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'edgeq-agent-c-'));
    try {
      const g = buildReferenceModel('dscnn', { scales: 'fixed', rounding: 'tflm' }, 1);
      const model = await writeFirmwareDir(g, dir);
      const agentDir = await writeSerialAgentDir(g, model, dir);
      expect((await readdir(agentDir)).sort()).toEqual([
        'edgeq_agent.c', 'edgeq_agent.h', 'edgeq_agent_cycles.c', 'edgeq_agent_main.c', 'edgeq_agent_model.c',
        'edgeq_agent_port.h', 'edgeq_port_cmsdk_uart.c', 'edgeq_port_nrf51_uart.c', 'edgeq_port_stm32_hal.c',
      ]);
      // The HAL's declarations as ST documents them (types and prototypes only; nothing runs).
      await writeFile(path.join(dir, 'hal_stand_in.h'), [
        '#include <stdint.h>',
        'typedef enum { HAL_OK = 0, HAL_ERROR = 1, HAL_BUSY = 2, HAL_TIMEOUT = 3 } HAL_StatusTypeDef;',
        'typedef struct { uint32_t instance; } UART_HandleTypeDef;',
        '#define HAL_MAX_DELAY 0xFFFFFFFFU',
        'HAL_StatusTypeDef HAL_UART_Transmit(UART_HandleTypeDef *huart, const uint8_t *pData, uint16_t Size, uint32_t Timeout);',
        'HAL_StatusTypeDef HAL_UART_Receive(UART_HandleTypeDef *huart, uint8_t *pData, uint16_t Size, uint32_t Timeout);',
        '',
      ].join('\n'));
      const firmwareDir = path.join(SERIAL_AGENT_TEMPLATE_DIR, '../firmware');
      const base = ['-mcpu=cortex-m4', '-mthumb', ...STRICT_C_FLAGS, '-O2', '-DEDGEQ_TRACE', `-I${dir}`, `-I${path.join(dir, 'runtime')}`, `-I${agentDir}`, `-I${firmwareDir}`];
      const ports = [
        ['-DEDGEQ_PORT_CMSDK_UART'],
        ['-DEDGEQ_PORT_NRF51_UART'],
        ['-DEDGEQ_PORT_STM32_HAL', '-DEDGEQ_AGENT_NO_SYSTICK', '-DEDGEQ_STM32_HAL_HEADER="hal_stand_in.h"'],
      ];
      for (const port of ports) {
        for (const f of ['edgeq_agent.c', 'edgeq_agent_cycles.c', 'edgeq_agent_model.c', 'edgeq_port_cmsdk_uart.c', 'edgeq_port_nrf51_uart.c', 'edgeq_port_stm32_hal.c']) {
          const r = await runCompiler('arm-none-eabi-gcc', [...base, ...port, '-c', path.join(agentDir, f), '-o', path.join(dir, 'x.o')]);
          expect(r.ok, `${f} ${port.join(' ')}: ${r.output}`).toBe(true);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the graph hash follows the weights, not how the graph object was built', () => {
    const a = buildReferenceModel('dscnn', { scales: 'fixed', rounding: 'tflm' }, 1);
    const reordered = JSON.parse(JSON.stringify(a, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? Object.fromEntries(Object.entries(v).reverse()) : v)));
    expect(graphHash({ ...reordered, blob: a.blob })).toBe(graphHash(a));
    expect(graphHash(buildReferenceModel('dscnn', { scales: 'fixed', rounding: 'tflm' }, 2))).not.toBe(graphHash(a));
  });
});
