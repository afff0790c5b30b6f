// Conciergus chart interop: a thin ES module over ApexCharts (loaded globally from lib/apexcharts.min.js).
//
// Blazor creates a chart once, then only pushes the points that are new since the last push. Each
// chart keeps a bounded window of points per series here in JS, so memory stays flat however long an
// operator keeps the page open, and the chart is never rebuilt (no flicker, no lost zoom/tooltip).

const charts = new Map();
let nextId = 1;

const DEFAULT_MAX_POINTS = 300;

function apex() {
    const ApexCharts = globalThis.ApexCharts;
    if (!ApexCharts) {
        throw new Error("ApexCharts is not loaded: include lib/apexcharts.min.js before using charts.js");
    }
    return ApexCharts;
}

function themeOptions(mode) {
    const dark = mode === "dark";
    return {
        theme: { mode: dark ? "dark" : "light" },
        chart: { background: "transparent", foreColor: dark ? "#c9cdd4" : "#4a4f57" },
        grid: { borderColor: dark ? "rgba(255,255,255,0.08)" : "rgba(0,0,0,0.08)" },
        tooltip: { theme: dark ? "dark" : "light" },
    };
}

// Series names, donut labels and threshold labels come from telemetry (model, application, user names) and are hostile.
// ApexCharts writes legend entries and tooltip titles with innerHTML, so every string it may render as HTML goes
// through text(): the name stays the same characters on screen and can never become an element. Strings ApexCharts
// draws as SVG text (annotation labels) are set as text content by ApexCharts itself and are only made strings here.
const HTML_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;", "`": "&#96;" };

/** A value as HTML text: every character that could start markup or leave an attribute is an entity. */
export function text(value) {
    if (value === null || value === undefined) {
        return "";
    }
    return String(Array.isArray(value) ? value.join(" ") : value).replace(/[&<>"'`]/g, c => HTML_ESCAPES[c]);
}

// Formatters that every chart gets: legend entries and tooltip series titles are text, never markup.
function textFormatters() {
    return {
        legend: { formatter: name => text(name) },
        tooltipTitle: { formatter: name => (name === null || name === undefined || name === "" ? "" : `${text(name)}: `) },
    };
}

// Names as plain strings (a number or an object from .NET must not reach ApexCharts as anything but a string).
function plainName(value, fallback) {
    return value === null || value === undefined ? fallback : String(value);
}

// Values as the KPI tiles show them (Components/Formatting.cs; the browser test UnitFormatBrowserTests compares the two):
// "ms" becomes seconds from 1 s ("1.25 s", "2m 05s"), "USD" is dollars ("$0.0042", "$12.34"), "%" is a percentage of
// 0..100 ("0.04%", "9.6%", "12%"), rates are three significant digits ("4.25 req/s"), counts compact from 10,000 ("12.3k").
// Fixed "." decimals (invariant, as the tiles).
function fixed(value, maxDecimals, minDecimals = 0) {
    const s = Number(value).toFixed(maxDecimals);
    if (maxDecimals === 0 || !s.includes(".")) {
        return s;
    }
    let [whole, frac] = s.split(".");
    while (frac.length > minDecimals && frac.endsWith("0")) {
        frac = frac.slice(0, -1);
    }
    return frac.length ? `${whole}.${frac}` : whole;
}

function roundSignificant(value) {
    if (value === 0) {
        return 0;
    }
    const magnitude = Math.floor(Math.log10(Math.abs(value)));
    const factor = Math.pow(10, 2 - magnitude);
    return Math.round(value * factor) / factor;
}

function significant(value) {
    if (value === 0) {
        return "0";
    }
    const rounded = roundSignificant(value);
    const magnitude = Math.floor(Math.log10(Math.abs(rounded)));
    return fixed(rounded, Math.min(6, Math.max(0, 2 - magnitude)));
}

const SCALES = [[1e3, "k"], [1e6, "M"], [1e9, "B"], [1e12, "T"]];

function compact(value) {
    const abs = Math.abs(value);
    if (abs < 1000 && value === Math.floor(value)) {
        return fixed(value, 0);
    }
    if (roundSignificant(abs) < 1000) {
        return significant(value);
    }
    for (const [scale, suffix] of SCALES) {
        if (roundSignificant(abs / scale) < 1000 || scale === SCALES[SCALES.length - 1][0]) {
            return significant(value / scale) + suffix;
        }
    }
    return String(value);
}

function groupThousands(whole) {
    return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function duration(ms) {
    const abs = Math.abs(ms);
    if (abs < 10) {
        return `${fixed(ms, abs < 1 ? 2 : 1)} ms`;
    }
    if (Math.round(abs) < 1000) {
        return `${fixed(ms, 0)} ms`;
    }
    const seconds = ms / 1000;
    if (Math.abs(seconds) < 59.95) {
        return `${Math.abs(seconds) < 9.995 ? Number(seconds).toFixed(2) : Number(seconds).toFixed(1)} s`;
    }
    const total = Math.round(Math.abs(seconds));
    const sign = seconds < 0 ? "-" : "";
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const secs = total % 60;
    const two = n => String(n).padStart(2, "0");
    return hours >= 1 ? `${sign}${hours}h ${two(minutes)}m` : `${sign}${minutes}m ${two(secs)}s`;
}

function usd(amount) {
    const abs = Math.abs(amount);
    const sign = amount < 0 ? "-" : "";
    if (abs === 0) {
        return "$0.00";
    }
    if (abs < 0.0001) {
        return `${sign}<$0.0001`;
    }
    if (abs < 0.01) {
        return `${sign}$${fixed(abs, 4, 2)}`;
    }
    if (abs < 1000) {
        return `${sign}$${Number(abs).toFixed(2)}`;
    }
    if (abs < 100000) {
        return `${sign}$${groupThousands(Number(abs).toFixed(0))}`;
    }
    return `${sign}$${compact(abs)}`;
}

function percent(value) {
    const abs = Math.abs(value);
    const textValue = abs === 0 ? "0" : abs < 1 ? fixed(value, 2, 1) : abs < 10 ? Number(value).toFixed(1) : Number(value).toFixed(0);
    return `${textValue}%`;
}

/** A chart value with its unit, as the tiles show it (exported for the browser test that compares with Formatting.cs). */
export function formatValue(value, unit, decimals) {
    if (value === null || value === undefined || Number.isNaN(Number(value)) || !Number.isFinite(Number(value))) {
        return "";
    }
    const v = Number(value);
    switch (unit) {
        case "ms":
            return duration(v);
        case "USD":
            return usd(v);
        case "%":
            return percent(v);
        case "req/s":
        case "/s":
            return `${v === 0 ? "0" : Math.abs(v) >= 1000 ? compact(v) : significant(v)}${unit === "/s" ? "/s" : " req/s"}`;
        default: {
            // Counts (tokens, requests, failures): exact below 10,000, compact above; fractions to the chart's decimals.
            const body = Math.abs(v) >= 10000 ? compact(v) : v === Math.floor(v) ? groupThousands(fixed(v, 0)) : fixed(v, decimals ?? 2);
            return unit ? `${body} ${unit}` : body;
        }
    }
}

// The x axis and tooltip time format for a visible range: seconds matter in a few minutes, the day over several days.
function timeFormats(windowMs) {
    const hour = 3600000;
    if (!windowMs || windowMs <= hour / 2) {
        return { axis: "HH:mm:ss", tooltip: "HH:mm:ss" };
    }
    if (windowMs <= 2 * 24 * hour) {
        return { axis: "HH:mm", tooltip: "dd MMM HH:mm:ss" };
    }
    return { axis: "dd MMM", tooltip: "dd MMM HH:mm" };
}

/** Width in pixels of the narrowest chart on the page (0 when there is none), for the server's choice of bucket. */
export function chartWidth() {
    let narrowest = 0;
    for (const element of document.querySelectorAll(".live-chart-canvas")) {
        const width = Math.floor(element.getBoundingClientRect().width);
        if (width > 0 && (narrowest === 0 || width < narrowest)) {
            narrowest = width;
        }
    }
    return narrowest;
}

/**
 * Creates a chart in `element`.
 * options: { type: "line"|"area"|"bar", height, series: [{ name, color? }], unit, decimals,
 *            maxPoints, windowMs, mode: "light"|"dark", ariaLabel,
 *            thresholds?: [{ value, label?, color? }] (dashed horizontal lines, e.g. an alert threshold) }
 * Resolves to the chart id used by the other functions once the chart has rendered.
 */
export async function createChart(element, options) {
    if (!element) {
        throw new Error("createChart: element is required");
    }
    const o = options || {};
    const maxPoints = Math.max(2, o.maxPoints || DEFAULT_MAX_POINTS);
    const seriesDefs = (o.series && o.series.length ? o.series : [{ name: "value" }])
        .map((s, i) => ({ name: plainName(s && s.name, `series ${i + 1}`), color: s && typeof s.color === "string" ? s.color : undefined }));
    const safe = textFormatters();
    const windows = seriesDefs.map(() => []);
    const decimals = o.decimals ?? 2;
    const theme = themeOptions(o.mode);
    const formats = timeFormats(o.windowMs);

    const config = {
        chart: {
            ...theme.chart,
            type: o.type || "area",
            height: o.height || 240,
            stacked: !!o.stacked,
            animations: { enabled: true, dynamicAnimation: { speed: 250 } },
            toolbar: { show: false },
            zoom: { enabled: false },
            fontFamily: "inherit",
        },
        theme: theme.theme,
        grid: theme.grid,
        tooltip: { ...theme.tooltip, x: { format: formats.tooltip }, y: { formatter: v => text(formatValue(v, o.unit, decimals)), title: safe.tooltipTitle } },
        series: seriesDefs.map(s => ({ name: s.name, data: [] })),
        colors: seriesDefs.map(s => s.color).filter(c => !!c).length === seriesDefs.length
            ? seriesDefs.map(s => s.color)
            : undefined,
        stroke: { curve: (o.type || "area") === "bar" ? "straight" : "smooth", width: (o.type || "area") === "bar" ? 0 : 2 },
        plotOptions: (o.type || "area") === "bar" ? { bar: { columnWidth: "90%" } } : {},
        // Never undefined: ApexCharts merges options over its defaults, and an undefined "fill" breaks line and bar charts.
        fill: (o.type || "area") === "area"
            ? (o.stacked ? { type: "solid", opacity: 0.55 } : { type: "gradient", gradient: { opacityFrom: 0.35, opacityTo: 0.02 } })
            : { type: "solid", opacity: 1 },
        dataLabels: { enabled: false },
        legend: { show: seriesDefs.length > 1, formatter: safe.legend.formatter },
        markers: { size: 0 },
        xaxis: {
            type: "datetime",
            range: o.windowMs || undefined,
            // The app bar's clock setting (issue 22: one clock): the browser's zone, or UTC when chosen.
            labels: { datetimeUTC: clockIsUtc(), format: formats.axis },
            tooltip: { enabled: false },
        },
        yaxis: {
            min: 0,
            // Round ticks (1, 2, 2.5 or 5 times a power of ten) in the series' unit: "2.5 s", "$0.05", "10%".
            forceNiceScale: true,
            tickAmount: 4,
            labels: { formatter: v => formatValue(v, o.unit, decimals) },
        },
        noData: { text: plainName(o.noDataText, "") },
    };

    // Only charts that ask for thresholds get annotations and a stretched y axis; the others keep the exact config above.
    const thresholds = normalizeThresholds(o.thresholds);
    const yaxisBase = config.yaxis;
    if (thresholds.length) {
        config.annotations = thresholdAnnotations(thresholds, o.mode);
        config.yaxis = { ...yaxisBase, max: thresholdAxisMax(thresholds) };
    }

    if (o.ariaLabel) {
        element.setAttribute("role", "figure"); // not "img": ApexCharts puts focusable controls inside (axe nested-interactive)
        element.setAttribute("aria-label", o.ariaLabel);
    }

    const chart = new (apex())(element, config);
    const id = `chart-${nextId++}`;
    const entry = { chart, element, windows, names: seriesDefs.map(s => s.name), maxPoints, windowMs: o.windowMs || null, thresholds, mode: o.mode, yaxisBase, rendered: chart.render() };
    describe(entry);
    charts.set(id, entry);
    // Surface a failed first render to .NET (as a JSException) instead of an unhandled rejection.
    try {
        await entry.rendered;
    } catch (e) {
        destroy(id);
        throw e;
    }
    return id;
}

/**
 * Appends new points. seriesPoints: one array per series (same order as at creation) of [unixMs, value]
 * pairs, oldest first. A point at the same time as the newest kept one replaces it; older ones are ignored.
 * Returns the number of points kept per series after the append.
 */
export async function appendPoints(id, seriesPoints) {
    const entry = charts.get(id);
    if (!entry || !Array.isArray(seriesPoints)) {
        return 0;
    }
    let changed = false;
    for (let i = 0; i < entry.windows.length && i < seriesPoints.length; i++) {
        const window = entry.windows[i];
        for (const point of seriesPoints[i] || []) {
            if (!Array.isArray(point) || point.length < 2) {
                continue;
            }
            const x = Number(point[0]);
            const y = point[1] === null ? null : Number(point[1]);
            const last = window.length ? window[window.length - 1] : null;
            if (last && x < last[0]) {
                continue;
            }
            if (last && x === last[0]) {
                last[1] = y;
            } else {
                window.push([x, y]);
            }
            changed = true;
        }
        if (window.length > entry.maxPoints) {
            window.splice(0, window.length - entry.maxPoints);
        }
    }
    if (changed) {
        describe(entry);
        await entry.rendered;
        if (charts.get(id) === entry) {
            // updateSeries on the bounded window: the chart animates the shift and never re-renders from scratch.
            await entry.chart.updateSeries(entry.windows.map((w, i) => ({ name: entry.names[i], data: w.slice() })), true);
        }
    }
    return entry.windows.length ? entry.windows[0].length : 0;
}

/**
 * Replaces all points (a new time range or filter): same shape as appendPoints. The chart itself is kept;
 * only its data and x range change. Returns the number of points kept per series.
 */
export async function resetPoints(id, seriesPoints, windowMs) {
    const entry = charts.get(id);
    if (!entry) {
        return 0;
    }
    entry.windows = entry.windows.map(() => []);
    await entry.rendered;
    if ((windowMs || null) !== entry.windowMs) {
        entry.windowMs = windowMs || null;
        const formats = timeFormats(entry.windowMs);
        await entry.chart.updateOptions({
            xaxis: { range: entry.windowMs || undefined, labels: { datetimeUTC: clockIsUtc(), format: formats.axis } },
            tooltip: { x: { format: formats.tooltip } },
        }, false, false);
    }
    describe(entry);
    const kept = await appendPoints(id, seriesPoints);
    if (kept === 0 && charts.get(id) === entry) {
        await entry.chart.updateSeries(entry.windows.map((w, i) => ({ name: entry.names[i], data: [] })), false);
    }
    return kept;
}

function normalizeThresholds(thresholds) {
    return (Array.isArray(thresholds) ? thresholds : [])
        .filter(t => t && t.value !== null && t.value !== undefined && Number.isFinite(Number(t.value)))
        .map(t => ({ value: Number(t.value), label: plainName(t.label, ""), color: typeof t.color === "string" ? t.color : "#fa5252" }));
}

function thresholdAnnotations(thresholds, mode) {
    const dark = mode === "dark";
    return {
        yaxis: thresholds.map(t => ({
            y: t.value,
            borderColor: t.color,
            strokeDashArray: 6,
            label: t.label
                ? {
                    text: t.label,
                    position: "left",
                    textAnchor: "start",
                    borderColor: t.color,
                    style: { color: dark ? "#1e1e2d" : "#fff", background: t.color },
                }
                : undefined,
        })),
    };
}

// A threshold above every point would sit outside the axis and vanish: stretch the axis to show it with some room.
function thresholdAxisMax(thresholds) {
    if (!thresholds.length) {
        return max => max;
    }
    const highest = Math.max(...thresholds.map(t => t.value));
    return max => Math.max(max, highest > 0 ? highest * 1.1 : highest);
}

/**
 * Replaces a chart's threshold lines (same shape as the thresholds option of createChart; empty removes them).
 */
export async function setThresholds(id, thresholds) {
    const entry = charts.get(id);
    if (!entry || entry.donut) {
        return;
    }
    await entry.rendered;
    entry.thresholds = normalizeThresholds(thresholds);
    describe(entry);
    await entry.chart.updateOptions({
        annotations: thresholdAnnotations(entry.thresholds, entry.mode),
        yaxis: { ...entry.yaxisBase, max: thresholdAxisMax(entry.thresholds) },
    }, false, false);
}

/**
 * Creates a donut in `element`. options: { height, mode, labels, values, unit, decimals, ariaLabel }.
 * Resolves to the chart id; setDonut replaces labels and values (a breakdown has no time axis to append to).
 */
export async function createDonut(element, options) {
    const o = options || {};
    const theme = themeOptions(o.mode);
    const decimals = o.decimals ?? 2;
    const safe = textFormatters();
    const config = {
        chart: { ...theme.chart, type: "donut", height: o.height || 260, animations: { enabled: true }, fontFamily: "inherit" },
        theme: theme.theme,
        tooltip: { ...theme.tooltip, y: { formatter: v => text(formatValue(v, o.unit, decimals)), title: safe.tooltipTitle } },
        labels: donutLabels(o.labels),
        series: o.values || [],
        legend: { position: "bottom", formatter: safe.legend.formatter },
        dataLabels: { enabled: false },
        stroke: { width: 1 },
        noData: { text: "" },
    };
    if (o.ariaLabel) {
        element.setAttribute("role", "figure"); // not "img": ApexCharts puts focusable controls inside (axe nested-interactive)
        element.setAttribute("aria-label", o.ariaLabel);
    }
    const chart = new (apex())(element, config);
    const id = `chart-${nextId++}`;
    const entry = { chart, element, windows: [], names: [], maxPoints: 0, donut: true, rendered: chart.render() };
    element.dataset.slices = String((o.values || []).length);
    charts.set(id, entry);
    try {
        await entry.rendered;
    } catch (e) {
        destroy(id);
        throw e;
    }
    return id;
}

function donutLabels(labels) {
    return (Array.isArray(labels) ? labels : []).map((l, i) => plainName(l, `slice ${i + 1}`));
}

/** Replaces a donut's slices. */
export async function setDonut(id, labels, values) {
    const entry = charts.get(id);
    if (!entry) {
        return;
    }
    await entry.rendered;
    // Labels through the options, values through updateSeries: a donut created empty only redraws its slices this way.
    entry.element.dataset.slices = String((values || []).length);
    await entry.chart.updateOptions({ labels: donutLabels(labels) }, false, false);
    await entry.chart.updateSeries(values || [], true);
}

/** localStorage key of the app bar's clock setting: "utc" or "browser" (the default). */
const clockKey = "conciergus.clock";

/** Whether times show in UTC rather than the browser's zone (the app bar's setting). */
export function clockIsUtc() {
    try {
        return localStorage.getItem(clockKey) === "utc";
    } catch {
        return false;
    }
}

/** Remembers the clock setting (per browser). */
export function setClock(utc) {
    try {
        localStorage.setItem(clockKey, utc ? "utc" : "browser");
    } catch {
        // Storage blocked: the setting applies to this page only.
    }
}

/** The browser's IANA time zone ("Europe/Berlin"), for server-rendered times that stay right across DST. */
export function timeZone() {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Minutes to add to UTC for the browser's local time now (UTC+2 -> 120). */
export function timeZoneOffsetMinutes() {
    return -new Date().getTimezoneOffset();
}

/** Saves text as a file through a Blob (CSV export without a server round trip for the file). */
export function downloadText(fileName, mime, text) {
    const blob = new Blob([text], { type: mime || "text/plain" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// What the chart holds, on its element, for people inspecting the page and for browser tests:
// points kept, the visible range, and the sum of the first series.
function describe(entry) {
    if (!entry.element || !entry.element.dataset) {
        return;
    }
    const first = entry.windows[0] || [];
    entry.element.dataset.points = String(first.length);
    entry.element.dataset.rangeMs = String(entry.windowMs || "");
    entry.element.dataset.total = String(first.reduce((sum, p) => sum + (p[1] || 0), 0));
    if (entry.thresholds) {
        entry.element.dataset.thresholds = entry.thresholds.map(t => t.value).join(",");
    }
}

/** Switches a chart between "light" and "dark". */
export async function setTheme(id, mode) {
    const entry = charts.get(id);
    if (!entry) {
        return;
    }
    await entry.rendered;
    const theme = themeOptions(mode);
    entry.mode = mode;
    const update = { theme: theme.theme, chart: theme.chart, grid: theme.grid, tooltip: theme.tooltip };
    if (entry.thresholds && entry.thresholds.length) {
        // Threshold labels take the theme's text colour too.
        update.annotations = thresholdAnnotations(entry.thresholds, mode);
    }
    await entry.chart.updateOptions(update, false, false);
}

/** Destroys a chart and forgets its points. Safe to call twice. */
export function destroy(id) {
    const entry = charts.get(id);
    if (!entry) {
        return;
    }
    charts.delete(id);
    try {
        entry.chart.destroy();
    } catch {
        // The element may already be gone (the circuit tore the page down); nothing left to free.
    }
}

/** Number of live charts (for tests and diagnostics). */
export function count() {
    return charts.size;
}
