/**
 * Collectives between the replicas of data-parallel training (one per worker thread), over
 * one SharedArrayBuffer: a barrier, an all-gather of small float64 vectors (BN moments and
 * gradient sums, observer ranges, losses) and an all-reduce sum of float32 vectors (the
 * weight gradients). Every replica combines the slots in replica order 0..N−1 itself, so all
 * replicas get bit-identical results and a run is deterministic for a given replica count.
 *
 * Two banks of slots alternate between collectives: a replica may write the next
 * collective's slot while another still reads the previous one, so each collective costs
 * one barrier. An abort flag, raised by the pool when any replica fails, wakes every waiting
 * replica and makes it throw {@link ReplicaAbort} (no replica is left blocked).
 *
 * The fused BN kernels and EdgeqModel.trainStep consult {@link currentReplicaGroup}: unset
 * (the main thread, single-worker training) they compute on the local batch as before.
 */

const COUNT = 0;
const GENERATION = 1;
const ABORT = 2;
/** Bytes of the control block (int32 counters, padded to keep the slots 8-byte aligned). */
const CONTROL_BYTES = 16;

/** Thrown in a replica blocked in a collective when another replica failed. */
export class ReplicaAbort extends Error {
  constructor() {
    super('training stopped: another worker failed');
    this.name = 'ReplicaAbort';
  }
}

/** Size of the shared buffer for `replicas` replicas exchanging at most `slotValues` float64 (or 2× float32) values. */
export function replicaBufferBytes(replicas: number, slotValues: number): number {
  return CONTROL_BYTES + 2 * replicas * slotValues * 8;
}

/** Raise the abort flag and wake every replica waiting at a barrier (callable from the main thread). */
export function abortReplicas(buffer: SharedArrayBuffer): void {
  const control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
  Atomics.store(control, ABORT, 1);
  Atomics.notify(control, GENERATION);
}

/** One replica's handle on the shared buffer. */
export class ReplicaGroup {
  private readonly control: Int32Array;
  private readonly slotValues: number;
  private bank = 0;
  /** Share of the global batch this replica holds in the current step (its loss weight). */
  shardWeight = 1;
  /** Rows of the global batch in the current step (BN moments are over all of them). */
  globalRows = 0;

  constructor(private readonly buffer: SharedArrayBuffer, readonly rank: number, readonly size: number) {
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.slotValues = (buffer.byteLength - CONTROL_BYTES) / (2 * size * 8);
  }

  private slotOffset(bank: number, rank: number): number {
    return CONTROL_BYTES + (bank * this.size + rank) * this.slotValues * 8;
  }

  private checkAbort(): void {
    if (Atomics.load(this.control, ABORT)) throw new ReplicaAbort();
  }

  /** Wait until every replica has arrived (throws {@link ReplicaAbort} when the pool aborted). */
  barrier(): void {
    const c = this.control;
    this.checkAbort();
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, COUNT, 1) === this.size - 1) {
      Atomics.store(c, COUNT, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    for (let spin = 0; spin < 200 && Atomics.load(c, GENERATION) === generation; spin++);
    while (Atomics.load(c, GENERATION) === generation) {
      this.checkAbort();
      Atomics.wait(c, GENERATION, generation, 500);
    }
  }

  private nextBank(length: number, bytesPerValue: 4 | 8): number {
    if (length * bytesPerValue > this.slotValues * 8) {
      throw new Error(`replica collective of ${length} values exceeds the shared slot (${this.slotValues * 8} bytes)`);
    }
    const b = this.bank;
    this.bank ^= 1;
    return b;
  }

  /** Every replica's `local` vector (all the same length), in replica order. */
  allGather(local: Float64Array): Float64Array[] {
    const bank = this.nextBank(local.length, 8);
    new Float64Array(this.buffer, this.slotOffset(bank, this.rank), local.length).set(local);
    this.barrier();
    return Array.from({ length: this.size }, (_, r) => new Float64Array(this.buffer, this.slotOffset(bank, r), local.length).slice());
  }

  /** Element-wise float32 sum of every replica's `local`, added in replica order (the same bits on every replica). */
  allReduceSum(local: Float32Array): Float32Array {
    const bank = this.nextBank(local.length, 4);
    new Float32Array(this.buffer, this.slotOffset(bank, this.rank), local.length).set(local);
    this.barrier();
    const sum = new Float32Array(this.buffer, this.slotOffset(bank, 0), local.length).slice();
    for (let r = 1; r < this.size; r++) {
      const part = new Float32Array(this.buffer, this.slotOffset(bank, r), local.length);
      for (let i = 0; i < sum.length; i++) sum[i] += part[i];
    }
    return sum;
  }

  /**
   * {@link allReduceSum} of `local` together with an all-gather of the small float64 vector
   * `extras` (every replica's, in replica order), behind one barrier: a step's last
   * collective carries its loss and observed ranges with the gradients.
   */
  allReduceSumWith(local: Float32Array, extras: Float64Array): { sum: Float32Array; extras: Float64Array[] } {
    const extraBytes = extras.length * 8;
    const bank = this.nextBank(extras.length + Math.ceil(local.length / 2), 8);
    new Float64Array(this.buffer, this.slotOffset(bank, this.rank), extras.length).set(extras);
    new Float32Array(this.buffer, this.slotOffset(bank, this.rank) + extraBytes, local.length).set(local);
    this.barrier();
    const sum = new Float32Array(this.buffer, this.slotOffset(bank, 0) + extraBytes, local.length).slice();
    for (let r = 1; r < this.size; r++) {
      const part = new Float32Array(this.buffer, this.slotOffset(bank, r) + extraBytes, local.length);
      for (let i = 0; i < sum.length; i++) sum[i] += part[i];
    }
    const gathered = Array.from({ length: this.size }, (_, r) => new Float64Array(this.buffer, this.slotOffset(bank, r), extras.length).slice());
    return { sum, extras: gathered };
  }

  /** Sum over replicas (float64, in replica order) of small vectors. */
  sumSmall(local: Float64Array): Float64Array {
    const parts = this.allGather(local);
    const sum = new Float64Array(local.length);
    for (const p of parts) for (let i = 0; i < sum.length; i++) sum[i] += p[i];
    return sum;
  }
}

let current: ReplicaGroup | undefined;

/** Make `group` the replica group of this thread (a training worker), or clear it. */
export function setReplicaGroup(group: ReplicaGroup | undefined): void {
  current = group;
}

/** The replica group of this thread, when it is a data-parallel training worker. */
export function currentReplicaGroup(): ReplicaGroup | undefined {
  return current;
}
