/** The RGB of colour `index` (16–255) of xterm's 256-colour palette, as ansi_up computes it. */
export function paletteColour(index: number): [number, number, number] {
  if (index >= 232) {
    const grey = (index - 232) * 10 + 8;
    return [grey, grey, grey];
  }
  const levels = [0, 95, 135, 175, 215, 255];
  const cube = index - 16;
  return [levels[Math.floor(cube / 36)]!, levels[Math.floor(cube / 6) % 6]!, levels[cube % 6]!];
}

/** The nearest colour of xterm's 256-colour palette above the first 16: the 6×6×6 cube or the grey ramp. */
export function paletteIndex(r: number, g: number, b: number): number {
  const level = (v: number) => (v < 48 ? 0 : v < 115 ? 1 : Math.min(5, Math.floor((v - 35) / 40)));
  if (r === g && g === b) {
    if (r < 8) return 16;
    if (r > 238) return 231;
    return 232 + Math.min(23, Math.round((r - 8) / 10));
  }
  return 16 + 36 * level(r) + 6 * level(g) + level(b);
}
