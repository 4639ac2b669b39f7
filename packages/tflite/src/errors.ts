/**
 * The one error type of @edgeq/tflite. Every message says where the fault is: the file,
 * then the path inside it (operator, tensor, buffer, field), e.g.
 * `model.tflite: operators[3] (CONV_2D) inputs[1] tensor "conv1/weights": ...`.
 */

export class TfliteError extends Error {
  /** The file or source the error concerns. */
  readonly source: string;
  /** Location inside the file: operator, tensor, field. */
  readonly where: string;
  constructor(source: string, where: string, message: string) {
    super(`${source}: ${where ? `${where}: ` : ''}${message}`);
    this.name = 'TfliteError';
    this.source = source;
    this.where = where;
  }
}
