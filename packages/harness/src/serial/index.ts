// Public surface of the serial parity agent's host side: wire format, byte
// transports, protocol client, agent firmware build, QEMU launcher, parity/bench.
export * from './frame.js';
export * from './transport.js';
export * from './client.js';
export * from './agent-firmware.js';
export * from './qemu-serial.js';
export * from './serial-parity.js';
