// How times, sizes and money read on every page.

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)) + ' ' + units[i];
}

/** "3 min ago", "in 14 d": relative to now, with the exact time in the title. */
export function relative(iso) {
  if (!iso) return '—';
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  const a = Math.abs(s);
  const [n, unit] = a < 60 ? [a, 's'] : a < 3600 ? [Math.round(a / 60), 'min'] : a < 86400
    ? [Math.round(a / 3600), 'h'] : [Math.round(a / 86400), 'd'];
  if (a < 5) return 'now';
  return s < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

export function time(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

export function usd(v) {
  return v === null || v === undefined ? '—' : '$' + Number(v).toFixed(v < 1 ? 4 : 2);
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  const s = ms / 1000;
  return s < 60 ? s.toFixed(1) + ' s' : Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
}
