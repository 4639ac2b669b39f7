/** MAX_POOL_2D: maximum of each window's valid (unpadded) elements (ops/pool.ts). */

import { poolDefinition } from './pool.js';

export const maxPool2d = poolDefinition(false);
