// A tiny chart helper for the analyst and admin pages: horizontal bar
// charts (grouped, stacked, or stacked to 100%) drawn as inline SVG. No
// library and no canvas: the SVG is part of the page, so it prints, zooms and
// works under the CSP, and each chart carries a title and a description for
// screen readers and the same numbers as a data table below it.
//
// Layout is in percentages of the chart's width with a fixed row height, so
// text stays at its real size on a 360-px phone and on a wide screen alike
// (a viewBox would shrink the labels on a phone).
import { fmtNum, h, svg, t, table } from './staff.js';

let seq = 0;

// nice rounds a step up to 1, 2 or 5 times a power of ten.
function nice(span) {
  const p = Math.pow(10, Math.floor(Math.log10(span)));
  const f = span / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

const LABEL = 35; // % of the width for the category labels
const END = 86; // % where the bar area ends; the rest holds the value labels

// barChart returns a <figure>. opts:
//   title, desc    what the chart shows, in words (desc also says how to read it)
//   categories     the rows: [label]
//   series         [{name, values: [number per category], cls}]: cls is a
//                  colour class (c0..c4, s0..s9 in staff.css)
//   stacked        stack the series in one bar per row
//   percent        with stacked: each row as shares of its total
//   format         value -> text (default: a whole number)
//   testid         data-testid of the figure
//   actions        optional [node per category], added to the data table
export function barChart(opts) {
  const id = 'chart' + ++seq;
  const cats = opts.categories || [];
  const series = opts.series || [];
  const fmt = opts.format || ((v) => fmtNum(v));
  const value = (s, i) => Number(s.values[i]) || 0;
  const totals = cats.map((c, i) => series.reduce((a, s) => a + value(s, i), 0));

  // The scale: stacked bars from 0 to the largest total (or 100%); grouped
  // bars from the smallest value (below 0 when there are losses) to the largest.
  let lo = 0;
  let hi = opts.percent ? 1 : 0;
  if (!opts.percent) {
    for (const [i] of cats.entries()) {
      if (opts.stacked) hi = Math.max(hi, totals[i]);
      else for (const s of series) { hi = Math.max(hi, value(s, i)); lo = Math.min(lo, value(s, i)); }
    }
  }
  // Round the scale out to a "nice" step (1, 2 or 5 times a power of ten),
  // so the grid reads 0, 200, 400… and always has a line at zero.
  const step = opts.percent ? 0.25 : nice((hi - lo) / 4 || 1);
  lo = Math.floor(lo / step) * step;
  hi = Math.max(Math.ceil(hi / step) * step, lo + step);
  const x = (v) => LABEL + ((v - lo) / (hi - lo)) * (END - LABEL);
  const pct = (v) => v.toFixed(3) + '%';

  const barH = opts.stacked ? 18 : 12;
  const rowH = opts.stacked ? 26 : series.length * barH + 10;
  const top = 6;
  const height = top + cats.length * rowH + 20;
  const parts = [];
  for (let v = lo; v <= hi + step / 2; v += step) {
    const at = pct(x(v));
    parts.push(svg('line', { x1: at, x2: at, y1: top, y2: height - 16, class: Math.abs(v) < step / 1e6 ? 'axis' : 'grid' }));
    parts.push(svg('text', { x: at, y: height - 4, 'text-anchor': 'middle' }, opts.percent ? Math.round(v * 100) + '%' : fmt(v)));
  }
  cats.forEach((cat, i) => {
    const y = top + i * rowH;
    const name = String(cat);
    parts.push(svg('text', { x: pct(LABEL - 1), y: y + rowH / 2 + 4, 'text-anchor': 'end' },
      // About 15 characters fit the label column on a 360-px phone; the
      // full name is the row's tooltip and is in the data table.
      name.length > 15 ? name.slice(0, 14) + '…' : name, svg('title', null, name)));
    if (opts.stacked) {
      let acc = 0;
      for (const s of series) {
        const v = opts.percent ? (totals[i] ? value(s, i) / totals[i] : 0) : value(s, i);
        if (v > 0) {
          parts.push(svg('rect', { x: pct(x(acc)), y: y + 4, width: pct(x(acc + v) - x(acc)), height: barH, class: s.cls },
            svg('title', null, name + ' · ' + s.name + ': ' + fmt(value(s, i)) + (opts.percent ? ' (' + Math.round(v * 1000) / 10 + '%)' : ''))));
        }
        acc += v;
      }
      if (!opts.percent) {
        const inside = x(acc) > END - 10;
        parts.push(svg('text', { x: pct(x(acc) + (inside ? -1 : 1)), y: y + 4 + barH - 4, 'text-anchor': inside ? 'end' : null, class: 'value' }, fmt(totals[i])));
      }
    } else {
      series.forEach((s, k) => {
        const v = value(s, i);
        const a = Math.min(x(0), x(v));
        const b = Math.max(x(0), x(v));
        const by = y + 5 + k * barH;
        parts.push(svg('rect', { x: pct(a), y: by, width: pct(Math.max(b - a, 0.3)), height: barH - 2, class: s.cls },
          svg('title', null, name + ' · ' + s.name + ': ' + fmt(v))));
        // A long bar's label goes inside its end, haloed, so it never runs
        // off the chart.
        const inside = b > END - 10;
        parts.push(svg('text', { x: pct(inside ? b - 0.8 : b + 0.8), y: by + barH - 3, 'text-anchor': inside ? 'end' : null, class: 'value' }, fmt(v)));
      });
    }
  });

  const figure = h('figure', { cls: 'chart', testid: opts.testid },
    h('figcaption', { id: id + '-cap', text: opts.title }),
    svg('svg', { width: '100%', height, role: 'img', 'aria-labelledby': id + '-t ' + id + '-d', focusable: 'false' },
      svg('title', { id: id + '-t' }, opts.title), svg('desc', { id: id + '-d' }, opts.desc || ''), ...parts),
    h('ul', { cls: 'legend', 'aria-hidden': 'true' }, series.map((s) => h('li', null, h('i', { cls: s.cls }), s.name))),
    h('details', null, h('summary', { text: t('table') }),
      table([''].concat(series.map((s) => ({ cls: 'num', text: s.name })), opts.actions ? [''] : []),
        cats.map((c, i) => [String(c)].concat(series.map((s) => ({ cls: 'num', text: fmt(value(s, i)) })), opts.actions ? [opts.actions[i]] : [])),
        { caption: opts.title })));
  return figure;
}
