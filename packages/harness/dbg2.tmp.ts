import { getCortexMTarget, startAgentOnQemu, openTransport, AgentClient, FrameDecoder } from './src/index.js';
const elf = process.argv[2];
const q = await startAgentOnQemu({ target: getCortexMTarget('cortex-m4'), elf, monitor: true });
const inner = await openTransport(q.address);
let offset = 0;
const t = { ...inner, description: 'x', write: (d: Uint8Array) => inner.write(d), onClose: inner.onClose, close: inner.close,
  onData(rcv: (c: Uint8Array) => void) { inner.onData((chunk) => { const out = chunk.slice(); for (let i = 0; i < out.length; i++) if ((offset + i) % 997 === 500) { out[i] ^= 0xff; console.log('corrupt at', offset + i); } offset += chunk.length; rcv(out); }); } };
const c = new AgentClient(t, { timeoutMs: 400 });
const info = await c.info();
for (let i = 0; i < 60; i++) {
  try { await c.runVector(new Uint8Array(info.inputBytes).fill(i), i % 10 === 9); } catch (e) { console.log('ERR', i, (e as Error).message, c.events); break; }
}
console.log(c.events);
await c.close(); await q.stop();
