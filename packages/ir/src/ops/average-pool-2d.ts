/** AVERAGE_POOL_2D: mean of each window's valid (unpadded) elements, rounded half away (ops/pool.ts). */

import { poolDefinition } from './pool.js';

export const averagePool2d = poolDefinition(true);
