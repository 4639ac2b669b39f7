/**
 * Error type of @edgeq/qat: every failure names the file, layer or field at fault so a
 * CLI can print it as is.
 */

/** An error raised by the training side (dataset, model conversion, calibration, freeze). */
export class QatError extends Error {
  /** @param where the file, layer or field at fault; @param message what is wrong */
  constructor(readonly where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'QatError';
  }
}
