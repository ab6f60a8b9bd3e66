// Live effects of the video wall: a per-tile chain of filters over the live <video>, given in the URL
// as fx=name[:value],name[:value],... (e.g. fx=grayscale,pixelate:12).
export const EFFECT_NAMES = ['grayscale', 'sepia', 'hue', 'contrast', 'invert', 'pixelate', 'blur', 'motion', 'clock'];

/** parseChain turns "grayscale,pixelate:12" into [{name, value}] (unknown names are left out). */
export function parseChain(s) {
  return (s || '').split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const [name, v] = p.split(':');
    return { name, value: v === undefined || v === '' ? undefined : Number(v) };
  }).filter((f) => EFFECT_NAMES.includes(f.name) && (f.value === undefined || Number.isFinite(f.value)));
}

/** WallEffects draws the chain over the tile (the effects renderer comes in the next step). */
export function WallEffects() { return null; }
