/**
 * Errors raised when a QGraph (or a file that should hold one) is malformed. Every error
 * names where the fault is: the file, the op (index and name), the tensor, the field.
 */

export class QGraphError extends Error {
  /** Where the fault is, e.g. `ops[3] "conv1".options.strideH` or `tensors[7] "w".quant.scale[2]`. */
  readonly where: string;
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'QGraphError';
    this.where = where;
  }
}
