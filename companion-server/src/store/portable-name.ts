/**
 * Names that become folders must work on Windows, macOS and Linux alike: a data folder is copied
 * between machines, and the server may run on any of them. Windows refuses device names (with or
 * without an extension) and names ending in a dot or a space.
 */
const WINDOWS_DEVICES = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const ALLOWED = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Why `name` is not a portable folder name, or null when it is. */
export function portableNameProblem(name: string): string | null {
  if (!ALLOWED.test(name)) return "use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit";
  if (WINDOWS_DEVICES.test(name)) return `"${name.split(".")[0]}" is a device name on Windows`;
  if (name.endsWith(".")) return "Windows drops a final '.'";
  return null;
}
