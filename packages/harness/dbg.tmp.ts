import { getCortexMTarget, startAgentOnQemu, openTransport, AgentClient } from './src/index.js';
const elf = process.argv[2];
const q = await startAgentOnQemu({ target: getCortexMTarget('cortex-m4'), elf, monitor: true });
const c = new AgentClient(await openTransport(q.address), { timeoutMs: 400 });
const info = await c.info();
let t = Date.now();
for (let i = 0; i < 50; i++) await c.runVector(new Uint8Array(info.inputBytes));
console.log('50 vectors', Date.now() - t, 'ms');
await q.reset();
await new Promise((r) => setTimeout(r, 300));
t = Date.now();
try { console.log((await c.runVector(new Uint8Array(info.inputBytes))).cycles, Date.now() - t, c.events); } catch (e) { console.log('ERR', (e as Error).message, c.events); }
await c.close(); await q.stop(); console.log(q.output());
