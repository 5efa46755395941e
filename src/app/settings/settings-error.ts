/** A setting gantry cannot start with; main prints its message alone, without a stack. */
export class SettingsError extends Error {
  override name = "SettingsError";
}
