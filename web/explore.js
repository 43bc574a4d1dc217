/*
 * explore.js - the explorer page around liblmp's WebAssembly build (lmp.js,
 * made by emcc from lib/ and web/lmp_web.c).  It defines window.lmp:
 *
 *   await lmp.ready
 *   lmp.version                        "0.1.0", liblmp's version
 *   lmp.solve(losses, p, m[, opts])    {value, mean, theta, tau, gamma, m_px,
 *                                       n_valid, n_clamped, n_support, weights}
 *       losses: Float32Array (or an array of numbers); p in [1, Infinity];
 *       m a fraction in (0, 1], or a pixel count with opts.mPixels; opts
 *       ignoreZeros and ignoreNonfinite as `lmpviz solve`'s --ignore-zeros
 *       and --ignore-nonfinite.  weights is a new Float32Array.  Throws an
 *       Error with liblmp's message on bad input.
 *
 * and draws the three figures with a canvas each, in the colours of the
 * PNG figures (viz/src/plot/figure.c, viridis from viz/src/plot/colormap_table.c).
 */
(function () {
    'use strict';

    /* Okabe-Ito, as lmpviz_palette_color(); the uniform weight's grey and
     * the arrow's near-black as viz/src/figures/curve.c and region.c. */
    const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#f0e442',
                     '#000000'];
    const UNIFORM_COLOR = '#555555';
    const ARROW_COLOR = '#222222';
    const GRID_COLOR = '#ebebeb';
    const IGNORED_RGB = [200, 200, 200];
    const FONT_FAMILY = '"DejaVu Sans", "Bitstream Vera Sans", Verdana, Arial, sans-serif';
    const DASH = { solid: [], dashed: [6, 4], dotted: [2, 3], dashdot: [6, 3, 2, 3] };
    /* viridis, 256 entries as in viz/src/plot/colormap_table.c (lround(255 x)). */
    const VIRIDIS_HEX =
        '44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769' +
        '48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a' +
        '472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85' +
        '4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b' +
        '3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d' +
        '33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e' +
        '2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e' +
        '26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d' +
        '21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88' +
        '1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81' +
        '28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74' +
        '3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863' +
        '5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d' +
        '84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32' +
        'addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a' +
        'd8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725';    /* lmp_web_solve's flags and out[] slots (web/lmp_web.c). */
    const FLAG_IGNORE_ZEROS = 1;
    const FLAG_IGNORE_NONFINITE = 2;
    const FLAG_M_PIXELS = 4;
    const OUT_SLOTS = 11;
    const LMP_OK = 0;
    const LMP_ERR_INVALID_LOSS = 2;
    const LMP_ERR_EMPTY = 3;

    let M = null;
    const heap = {};

    /* ---------------------------------------------------------------- solver */

    /* A named buffer in the WebAssembly heap, grown on demand.  Growing may
     * move the heap: read M.HEAPF32 and friends again after every call. */
    function heapBuffer(name, bytes) {
        let b = heap[name];
        if (b === undefined || b.cap < bytes) {
            if (b !== undefined)
                M._free(b.ptr);
            const ptr = M._malloc(Math.max(bytes, 16));
            if (!ptr) {
                delete heap[name];
                throw new Error('lmp: out of memory for ' + bytes + ' bytes');
            }
            b = heap[name] = { ptr: ptr, cap: bytes };
        }
        return b.ptr;
    }

    function putLosses(slot, losses) {
        const ptr = heapBuffer(slot + ':loss', 4 * losses.length);
        M.HEAPF32.set(losses, ptr >> 2);
    }

    function lossView(slot, n) {
        const ptr = heap[slot + ':loss'].ptr;
        return M.HEAPF32.subarray(ptr >> 2, (ptr >> 2) + n);
    }

    /* Solves the n losses already in slot; weights is a view into the heap,
     * valid until the next call that allocates. */
    function solveSlot(slot, n, p, m, flags) {
        const lp = heapBuffer(slot + ':loss', 4 * n);
        const wp = heapBuffer(slot + ':weight', 4 * n);
        const op = heapBuffer('out', 8 * OUT_SLOTS);
        const st = M._lmp_web_solve(lp, n, p, m, flags, wp, op);
        const o = M.HEAPF64.subarray(op >> 3, (op >> 3) + OUT_SLOTS);
        if (st !== LMP_OK && st !== LMP_ERR_EMPTY) {
            let msg = M.UTF8ToString(M._lmp_status_string(st));
            const err = new Error(msg);
            err.status = st;
            if (st === LMP_ERR_INVALID_LOSS) {
                err.index = o[9];
                err.value = o[10];
                err.message = msg + ': loss ' + o[9] + ' is ' + o[10];
            }
            throw err;
        }
        return {
            status: st,
            value: o[0],
            mean: o[1],
            theta: o[2],
            tau: o[3],
            gamma: o[4],
            m_px: o[5],
            n_valid: o[6],
            n_clamped: o[7],
            n_support: o[8],
            weights: M.HEAPF32.subarray(wp >> 2, (wp >> 2) + n),
        };
    }

    function solve(losses, p, m, opts) {
        if (M === null)
            throw new Error('lmp.solve: the solver is still loading; await lmp.ready first');
        if (!(losses instanceof Float32Array))
            losses = Float32Array.from(losses);
        if (typeof p !== 'number' || typeof m !== 'number')
            throw new TypeError('lmp.solve(losses, p, m): p and m must be numbers');
        opts = opts || {};
        let flags = 0;
        if (opts.ignoreZeros)
            flags |= FLAG_IGNORE_ZEROS;
        if (opts.ignoreNonfinite)
            flags |= FLAG_IGNORE_NONFINITE;
        if (opts.mPixels)
            flags |= FLAG_M_PIXELS;
        putLosses('api', losses);
        const r = solveSlot('api', losses.length, p, m, flags);
        r.weights = r.weights.slice();
        return r;
    }

    /* ------------------------------------------------------------ formatting */

    function fmt(v, digits) {
        if (v === Infinity)
            return '∞';
        if (!isFinite(v))
            return '–';
        if (v === 0)
            return '0';
        const a = Math.abs(v);
        if (a >= 1e5 || a < 1e-3)
            return v.toExponential(digits - 1).replace('e+', 'e');
        return Number(v.toPrecision(digits)).toString();
    }

    function fmtInt(v) {
        return Math.round(v).toLocaleString('en-US');
    }

    /* ------------------------------------------------------------- plotting */

    /* Sizes the canvas to its CSS width at the device's pixel ratio, the
     * height from height(width); returns the context in CSS pixels. */
    function canvasContext(canvas, height, maxWidth) {
        const dpr = window.devicePixelRatio || 1;
        let w = canvas.clientWidth || canvas.width;
        if (maxWidth)
            w = Math.min(w, maxWidth);
        const h = Math.round(height(w));
        const bw = Math.round(w * dpr);
        const bh = Math.round(h * dpr);
        if (canvas.width !== bw || canvas.height !== bh) {
            canvas.width = bw;
            canvas.height = bh;
        }
        const ctx = canvas.getContext('2d');
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, w, h);
        ctx.cssWidth = w;
        ctx.cssHeight = h;
        return ctx;
    }

    function font(px) {
        return px + 'px ' + FONT_FAMILY;
    }

    function niceStep(span, target) {
        const raw = span / target;
        const mag = Math.pow(10, Math.floor(Math.log10(raw)));
        const f = raw / mag;
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
    }

    function tickLabel(v, step) {
        if (Math.abs(v) < step * 1e-6)
            return '0';
        if (Math.abs(v) >= 1e5)
            return v.toExponential(0).replace('e+', 'e');
        const dec = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
        return v.toFixed(Math.min(dec, 8));
    }

    /* Axes on box {x, y, w, h} (CSS pixels) for x in xr and y in yr. */
    function makeAxes(ctx, box, xr, yr, xlog) {
        const ax = { ctx: ctx, box: box, xr: xr, yr: yr, xlog: !!xlog };
        const lx0 = xlog ? Math.log(xr[0]) : xr[0];
        const lx1 = xlog ? Math.log(xr[1]) : xr[1];
        ax.X = function (v) {
            const t = ((xlog ? Math.log(v) : v) - lx0) / (lx1 - lx0);
            return box.x + t * box.w;
        };
        ax.Xinv = function (px) {
            const t = (px - box.x) / box.w;
            const l = lx0 + t * (lx1 - lx0);
            return xlog ? Math.exp(l) : l;
        };
        ax.Y = function (v) {
            return box.y + box.h - ((v - yr[0]) / (yr[1] - yr[0])) * box.h;
        };
        ax.Yinv = function (py) {
            return yr[0] + ((box.y + box.h - py) / box.h) * (yr[1] - yr[0]);
        };
        return ax;
    }

    function xTicks(ax) {
        const lo = ax.xr[0];
        const hi = ax.xr[1];
        const out = [];
        if (ax.xlog) {
            for (let e = Math.ceil(Math.log10(lo)); Math.pow(10, e) <= hi; e++) {
                const v = Math.pow(10, e);
                out.push([v, e < 5 ? String(v) : '1e' + e]);
            }
            return out;
        }
        const step = niceStep(hi - lo, Math.max(3, Math.min(6, ax.box.w / 90)));
        for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
            out.push([v, tickLabel(v, step)]);
        return out;
    }

    function yTicks(ax) {
        const lo = ax.yr[0];
        const hi = ax.yr[1];
        const out = [];
        const step = niceStep(hi - lo, Math.max(3, Math.min(6, ax.box.h / 45)));
        for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
            out.push([v, tickLabel(v, step)]);
        return out;
    }

    /* Grid, frame, ticks, labels and title, as lmpviz's panels. */
    function drawFrame(ax, xlabel, ylabel, title) {
        const ctx = ax.ctx;
        const b = ax.box;
        const xt = xTicks(ax);
        const yt = yTicks(ax);
        ctx.save();
        ctx.lineWidth = 1;
        ctx.strokeStyle = GRID_COLOR;
        ctx.beginPath();
        for (const [v] of xt) {
            const x = Math.round(ax.X(v)) + 0.5;
            ctx.moveTo(x, b.y);
            ctx.lineTo(x, b.y + b.h);
        }
        for (const [v] of yt) {
            const y = Math.round(ax.Y(v)) + 0.5;
            ctx.moveTo(b.x, y);
            ctx.lineTo(b.x + b.w, y);
        }
        ctx.stroke();
        ctx.strokeStyle = '#000';
        ctx.fillStyle = '#000';
        ctx.font = font(11);
        ctx.beginPath();
        ctx.textAlign = 'center';
        ctx.textBaseline = 'top';
        for (const [v, label] of xt) {
            const x = Math.round(ax.X(v)) + 0.5;
            ctx.moveTo(x, b.y + b.h);
            ctx.lineTo(x, b.y + b.h + 4);
            ctx.fillText(label, x, b.y + b.h + 6);
        }
        ctx.textAlign = 'right';
        ctx.textBaseline = 'middle';
        let labelWidth = 0;
        for (const [v, label] of yt) {
            const y = Math.round(ax.Y(v)) + 0.5;
            ctx.moveTo(b.x, y);
            ctx.lineTo(b.x - 4, y);
            ctx.fillText(label, b.x - 6, y);
            labelWidth = Math.max(labelWidth, ctx.measureText(label).width);
        }
        ctx.stroke();
        ctx.strokeRect(Math.round(b.x) + 0.5, Math.round(b.y) + 0.5, Math.round(b.w), Math.round(b.h));
        ctx.font = font(13);
        ctx.textAlign = 'center';
        ctx.textBaseline = 'alphabetic';
        ctx.fillText(xlabel, b.x + b.w / 2, b.y + b.h + 36);
        ctx.save();
        ctx.translate(b.x - labelWidth - 16, b.y + b.h / 2);
        ctx.rotate(-Math.PI / 2);
        ctx.fillText(ylabel, 0, 0);
        ctx.restore();
        if (title) {
            ctx.font = font(14);
            const tw = ctx.measureText(title).width;
            const tx = tw < b.w ? b.x + b.w / 2 : ctx.cssWidth / 2;
            ctx.fillText(title, tx, b.y - 10, ctx.cssWidth - 8);
        }
        ctx.restore();
    }

    function clipToBox(ax) {
        const b = ax.box;
        ax.ctx.beginPath();
        ax.ctx.rect(b.x, b.y, b.w, b.h);
        ax.ctx.clip();
    }

    function strokeStyle(ctx, color, dash, width) {
        ctx.strokeStyle = color;
        ctx.setLineDash(DASH[dash] || []);
        ctx.lineWidth = width || 2;
        ctx.lineJoin = 'round';
        ctx.lineCap = dash === 'solid' ? 'round' : 'butt';
    }

    function marker(ctx, shape, x, y, size, fill, edge) {
        ctx.save();
        ctx.setLineDash([]);
        ctx.beginPath();
        const r = size / 2;
        if (shape === 'diamond') {
            ctx.moveTo(x, y - r * 1.25);
            ctx.lineTo(x + r, y);
            ctx.lineTo(x, y + r * 1.25);
            ctx.lineTo(x - r, y);
            ctx.closePath();
        } else {
            ctx.arc(x, y, r, 0, 2 * Math.PI);
        }
        ctx.fillStyle = fill;
        ctx.fill();
        ctx.lineWidth = 1.2;
        ctx.strokeStyle = edge || '#fff';
        ctx.stroke();
        ctx.restore();
    }

    /* entries: {kind: 'line'|'marker'|'fill'|'arrow', color, dash, shape, label}.
     * corner: 'ne', 'se', 'nw'. */
    function drawLegend(ax, entries, corner) {
        const ctx = ax.ctx;
        ctx.save();
        ctx.font = font(12);
        const row = 18;
        let tw = 0;
        for (const e of entries)
            tw = Math.max(tw, ctx.measureText(e.label).width);
        const w = tw + 46;
        const h = entries.length * row + 8;
        const b = ax.box;
        let x = corner.endsWith('w') ? b.x + 8 : b.x + b.w - w - 8;
        let y = corner.startsWith('n') ? b.y + 8 : corner === 'e' ? b.y + (b.h - h) / 2 : b.y + b.h - h - 8;
        if (corner === 'below') {
            x = Math.max(4, Math.min(b.x, ctx.cssWidth - w - 4));
            y = b.y + b.h + 46;
        }
        ctx.globalAlpha = 0.9;
        ctx.fillStyle = '#fff';
        ctx.fillRect(x, y, w, h);
        ctx.globalAlpha = 1;
        ctx.strokeStyle = '#cccccc';
        ctx.lineWidth = 1;
        ctx.setLineDash([]);
        ctx.strokeRect(Math.round(x) + 0.5, Math.round(y) + 0.5, Math.round(w), Math.round(h));
        entries.forEach(function (e, i) {
            const cy = y + 4 + row * i + row / 2;
            const x0 = x + 8;
            const x1 = x + 34;
            if (e.kind === 'line' || e.kind === 'arrow') {
                strokeStyle(ctx, e.color, e.dash || 'solid', e.width || 2);
                ctx.beginPath();
                ctx.moveTo(x0, cy);
                ctx.lineTo(x1, cy);
                ctx.stroke();
                if (e.kind === 'arrow')
                    arrowHead(ctx, x0, cy, x1, cy, e.color, 7);
            } else if (e.kind === 'fill') {
                ctx.fillStyle = e.fill;
                ctx.fillRect(x0, cy - 6, x1 - x0, 12);
                strokeStyle(ctx, e.color, 'solid', 2);
                ctx.strokeRect(x0, cy - 6, x1 - x0, 12);
            } else {
                marker(ctx, e.shape, (x0 + x1) / 2, cy, e.size || 8, e.color, e.edge);
            }
            ctx.fillStyle = '#000';
            ctx.textAlign = 'left';
            ctx.textBaseline = 'middle';
            ctx.fillText(e.label, x1 + 6, cy + 1);
        });
        ctx.restore();
    }

    /* Legends go under the axes on a narrow canvas (a phone). */
    function narrow(canvas) {
        return (canvas.clientWidth || canvas.width) < 480;
    }

    function legendHeight(rows) {
        return rows * 18 + 8 + 8;
    }

    function arrowHead(ctx, x0, y0, x1, y1, color, size) {
        const a = Math.atan2(y1 - y0, x1 - x0);
        ctx.save();
        ctx.setLineDash([]);
        ctx.fillStyle = color;
        ctx.beginPath();
        ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - size * Math.cos(a - 0.4), y1 - size * Math.sin(a - 0.4));
        ctx.lineTo(x1 - size * Math.cos(a + 0.4), y1 - size * Math.sin(a + 0.4));
        ctx.closePath();
        ctx.fill();
        ctx.restore();
    }

    /* A non-increasing (or non-decreasing) series f(i), i = 1..n, drawn
     * with at most two vertices per pixel column: the series is monotone,
     * so the first and last rank of a column are its extremes. */
    function traceMonotone(ax, n, f) {
        const ctx = ax.ctx;
        ctx.beginPath();
        if (n <= ax.box.w) {
            for (let i = 1; i <= n; i++) {
                const x = ax.X(i);
                const y = ax.Y(f(i));
                if (i === 1)
                    ctx.moveTo(x, y);
                else
                    ctx.lineTo(x, y);
            }
            return;
        }
        let started = false;
        const px0 = Math.floor(ax.X(1));
        const px1 = Math.ceil(ax.X(n));
        let next = 1;
        for (let px = px0; px <= px1 && next <= n; px++) {
            const hi = Math.min(n, Math.floor(ax.Xinv(px + 1)));
            if (hi < next)
                continue;
            for (const i of next === hi ? [next] : [next, hi]) {
                const x = ax.X(i);
                const y = ax.Y(f(i));
                if (started) {
                    ctx.lineTo(x, y);
                } else {
                    ctx.moveTo(x, y);
                    started = true;
                }
            }
            next = hi + 1;
        }
    }

    /* ----------------------------------------------------------------- state */

    const state = {
        p: 1.5,
        m: 0.1,
        n: 100,
        dist: 'exp',
        angle: 26.5,
        mpx2: 1.5,
        logx: false,
        ignoreZeros: true,
        scale: 'linear',
    };
    const el = {};
    const profile = { key: '', n: 0, result: null, cum: null, ms: 0 };
    const map = { n: 0, w: 0, h: 0, name: '', result: null, image: null, ms: 0 };

    /* p from the slider: t = 1 - 1/p = 1/q in [0, 1], so 1 to 3 takes the
     * first two thirds; three significant digits. */
    function sliderToP(v) {
        const t = v / 1000;
        return t >= 1 ? Infinity : Number((1 / (1 - t)).toPrecision(3));
    }

    function pToSlider(p) {
        return Math.round(1000 * (1 - 1 / p));
    }

    function sliderToM(v) {
        return Number(Math.pow(10, v / 100).toPrecision(3));
    }

    function mToSlider(m) {
        return Math.round(100 * Math.log10(m));
    }

    function fmtP(p) {
        return p === Infinity ? '∞' : String(p);
    }

    /* ------------------------------------------------------ random profiles */

    function mulberry32(seed) {
        let a = seed >>> 0;
        return function () {
            a = (a + 0x6d2b79f5) >>> 0;
            let t = a;
            t = Math.imul(t ^ (t >>> 15), t | 1);
            t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
            return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        };
    }

    function gaussian(rnd) {
        const u = 1 - rnd();
        const v = rnd();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    const DRAWS = {
        exp: function (r) { return -Math.log(1 - r()); },
        uniform: function (r) { return r(); },
        halfnormal: function (r) { return Math.abs(gaussian(r)); },
        lognormal: function (r) { return Math.exp(gaussian(r)); },
        pareto: function (r) { return Math.pow(1 - r(), -1 / 1.5) - 1; },
        mixture: function (r) {
            return r() < 0.1 ? 2 - Math.log(1 - r()) : 0.2 * -Math.log(1 - r());
        },
    };

    /* n draws, sorted by decreasing loss, so that the weights come out in
     * rank order (w is non-decreasing in the loss). */
    function makeProfile(dist, n) {
        const rnd = mulberry32(20170401 + n);
        const draw = DRAWS[dist] || DRAWS.exp;
        const a = new Float32Array(n);
        for (let i = 0; i < n; i++)
            a[i] = draw(rnd);
        a.sort();
        a.reverse();
        return a;
    }

    /* ------------------------------------------------------- Figure 2 (profile) */

    function solveProfile() {
        const key = state.dist + ':' + state.n;
        if (profile.key !== key) {
            putLosses('profile', makeProfile(state.dist, state.n));
            profile.key = key;
            profile.n = state.n;
        }
        const r = solveSlot('profile', profile.n, state.p, state.m, 0);
        const n = profile.n;
        if (profile.cum === null || profile.cum.length !== n)
            profile.cum = new Float64Array(n);
        let s = 0;
        for (let i = 0; i < n; i++) {
            s += r.weights[i];
            profile.cum[i] = s;
        }
        r.sum = s;
        profile.result = r;
        return r;
    }

    function drawProfile() {
        const r = profile.result;
        const n = profile.n;
        const w = r.weights;
        const legend = narrow(el.profileCanvas) ? 'below' : 'e';
        const ctx = canvasContext(el.profileCanvas, function (cw) {
            return legend === 'below' ? 0.6 * cw + legendHeight(4) : 0.47 * cw;
        });
        const box = { x: 70, y: 32, w: ctx.cssWidth - 86,
                      h: ctx.cssHeight - 32 - 52 - (legend === 'below' ? legendHeight(4) : 0) };
        const pad = state.logx ? 1 : 0.02 * Math.max(n - 1, 1);
        const xr = state.logx ? [0.8, n * 1.25] : [1 - pad, n + pad];
        const ymax = Math.max(r.tau, 1 / n) * 1.08;
        const ax = makeAxes(ctx, box, xr, [-0.03 * ymax, ymax], state.logx);
        const mpx = fmt(r.m_px, 4);
        drawFrame(ax, 'pixel rank i (by decreasing loss)', 'weight wᵢ',
                  'LMP weights: p = ' + fmtP(state.p) + ', m = ' + fmt(state.m, 3) + ' (' + mpx +
                      ' px), n = ' + fmtInt(n));
        ctx.save();
        clipToBox(ax);
        strokeStyle(ctx, UNIFORM_COLOR, 'dashed', 1.6);
        ctx.beginPath();
        ctx.moveTo(box.x, ax.Y(1 / n));
        ctx.lineTo(box.x + box.w, ax.Y(1 / n));
        ctx.stroke();
        strokeStyle(ctx, PALETTE[0], 'dotted', 1.6);
        ctx.beginPath();
        ctx.moveTo(box.x, ax.Y(r.tau));
        ctx.lineTo(box.x + box.w, ax.Y(r.tau));
        ctx.stroke();
        strokeStyle(ctx, PALETTE[0], 'solid', 2);
        traceMonotone(ax, n, function (i) { return w[i - 1]; });
        ctx.stroke();
        if (r.n_clamped > 0 && r.n_clamped < n)
            marker(ctx, 'circle', ax.X(r.n_clamped), ax.Y(w[r.n_clamped - 1]), 8, PALETTE[0]);
        ctx.restore();
        const k = r.n_clamped;
        drawLegend(ax, [
            { kind: 'line', color: UNIFORM_COLOR, dash: 'dashed', width: 1.6, label: 'uniform: w = 1/n' },
            { kind: 'line', color: PALETTE[0], dash: 'dotted', width: 1.6,
              label: 'cap τ = ' + fmt(r.tau, 3) + ' (' + fmtInt(k) + ' pixel' + (k === 1 ? '' : 's') + ' at τ)' },
            { kind: 'line', color: PALETTE[0], label: 'LMP weights w*' },
            { kind: 'marker', shape: 'circle', color: PALETTE[0], label: 'last pixel at the cap τ' },
        ], legend);
    }

    function drawShare() {
        const r = profile.result;
        const n = profile.n;
        const cum = profile.cum;
        const total = r.sum > 0 ? r.sum : 1;
        const legend = narrow(el.shareCanvas) ? 'below' : 'se';
        const ctx = canvasContext(el.shareCanvas, function (cw) {
            return legend === 'below' ? 0.45 * cw + legendHeight(2) : 0.34 * cw;
        });
        const box = { x: 70, y: 14, w: ctx.cssWidth - 86,
                      h: ctx.cssHeight - 14 - 52 - (legend === 'below' ? legendHeight(2) : 0) };
        const pad = state.logx ? 1 : 0.02 * Math.max(n - 1, 1);
        const xr = state.logx ? [0.8, n * 1.25] : [1 - pad, n + pad];
        const ax = makeAxes(ctx, box, xr, [-0.03, 1.06], state.logx);
        drawFrame(ax, 'top k pixels (by decreasing loss)', 'share of Σw', null);
        ctx.save();
        clipToBox(ax);
        strokeStyle(ctx, UNIFORM_COLOR, 'dashed', 1.6);
        traceMonotone(ax, n, function (i) { return i / n; });
        ctx.stroke();
        strokeStyle(ctx, PALETTE[0], 'solid', 2);
        traceMonotone(ax, n, function (i) { return cum[i - 1] / total; });
        ctx.stroke();
        if (r.n_clamped > 0 && r.n_clamped < n)
            marker(ctx, 'circle', ax.X(r.n_clamped), ax.Y(cum[r.n_clamped - 1] / total), 8, PALETTE[0]);
        ctx.restore();
        drawLegend(ax, [
            { kind: 'line', color: UNIFORM_COLOR, dash: 'dashed', width: 1.6, label: 'uniform: k/n' },
            { kind: 'line', color: PALETTE[0], label: 'LMP: share of Σw on the top k' },
        ], legend);
    }

    function showNumbers() {
        const r = profile.result;
        el.numTheta.textContent = r.theta > 0 ? fmt(r.theta, 4) : '– (p-ball slack)';
        if (state.p === Infinity)
            el.numTheta.textContent = '– (p = ∞)';
        el.numQ.textContent = state.p === 1 ? '∞' : state.p === Infinity ? '1' :
            fmt(state.p / (state.p - 1), 4);
        el.numTau.textContent = fmt(r.tau, 4);
        el.numGamma.textContent = fmt(r.gamma, 4);
        el.numMpx.textContent = fmt(r.m_px, 4);
        el.numRatio.textContent = r.mean > 0 ? (r.value / r.mean).toFixed(4) : '–';
        el.numSumw.textContent = r.sum.toFixed(4);
        el.numClamped.textContent = fmtInt(r.n_clamped) + ' of ' + fmtInt(profile.n);
        el.numTime.textContent = profile.ms.toFixed(1) + ' ms';
    }

    function redrawProfile() {
        const t0 = performance.now();
        solveProfile();
        drawProfile();
        drawShare();
        profile.ms = performance.now() - t0;
        showNumbers();
    }

    /* -------------------------------------------------------- Figure 1 (n = 2) */

    /* The quarter of the p-sphere of radius g, from (g, 0) to (0, g). */
    function pArc(p, g, steps) {
        const pts = [];
        if (p === Infinity)
            return [[g, 0], [g, g], [0, g]];
        for (let k = 0; k <= steps; k++) {
            const a = (Math.PI / 2) * k / steps;
            const c = Math.max(Math.cos(a), 0);
            const s = Math.max(Math.sin(a), 0);
            pts.push([g * Math.pow(c, 2 / p), g * Math.pow(s, 2 / p)]);
        }
        return pts;
    }

    /* Sutherland-Hodgman against coordinate axis <= cap. */
    function clipBelow(poly, axis, cap) {
        const out = [];
        for (let i = 0; i < poly.length; i++) {
            const a = poly[i];
            const b = poly[(i + 1) % poly.length];
            const ina = a[axis] <= cap;
            const inb = b[axis] <= cap;
            if (ina)
                out.push(a);
            if (ina !== inb) {
                const t = (cap - a[axis]) / (b[axis] - a[axis]);
                out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
            }
        }
        return out;
    }

    const region = { ax: null, result: null, ell: [1, 0.5] };

    function drawRegion() {
        const phi = (state.angle * Math.PI) / 180;
        const ell = [Math.cos(phi), Math.sin(phi)];
        if (ell[1] < 1e-12)
            ell[1] = 0;
        if (ell[0] < 1e-12)
            ell[0] = 0;
        const r = solve(new Float32Array(ell), state.p, state.mpx2, { mPixels: true });
        region.result = r;
        region.ell = ell;
        const legend = narrow(el.regionCanvas) ? 'below' : 'ne';
        const extra = legend === 'below' ? legendHeight(6) : 0;
        const ctx = canvasContext(el.regionCanvas, function (cw) {
            return Math.min(cw, 520) - 80 + 86 + extra;
        }, 520);
        const side = Math.min(ctx.cssWidth - 66 - 14, ctx.cssHeight - 34 - 52 - extra);
        const box = { x: 66, y: 34, w: side, h: side };
        const lim = [-0.02, 1.1];
        const ax = makeAxes(ctx, box, lim, lim, false);
        region.ax = ax;
        drawFrame(ax, 'w₁', 'w₂',
                  'Feasible set W for n = 2: p = ' + fmtP(state.p) + ', m_px = ' + fmt(r.m_px, 3));
        const g = r.gamma;
        const tau = r.tau;
        const arc = pArc(state.p, g, 240);
        let poly = [[0, 0]].concat(arc);
        poly = clipBelow(clipBelow(poly, 0, tau), 1, tau);
        ctx.save();
        clipToBox(ax);
        /* the p-sphere beyond the cap */
        strokeStyle(ctx, PALETTE[0], 'dotted', 1.3);
        ctx.beginPath();
        arc.forEach(function (q, i) {
            if (i === 0)
                ctx.moveTo(ax.X(q[0]), ax.Y(q[1]));
            else
                ctx.lineTo(ax.X(q[0]), ax.Y(q[1]));
        });
        ctx.stroke();
        ctx.beginPath();
        poly.forEach(function (q, i) {
            if (i === 0)
                ctx.moveTo(ax.X(q[0]), ax.Y(q[1]));
            else
                ctx.lineTo(ax.X(q[0]), ax.Y(q[1]));
        });
        ctx.closePath();
        ctx.fillStyle = 'rgba(0, 114, 178, 0.12)';
        ctx.fill();
        strokeStyle(ctx, PALETTE[0], 'solid', 2);
        ctx.stroke();
        /* the level line w . l = L through w* */
        const L = r.value;
        strokeStyle(ctx, PALETTE[0], 'dashed', 1.3);
        ctx.beginPath();
        if (ell[1] > 1e-9) {
            ctx.moveTo(ax.X(-0.1), ax.Y((L + 0.1 * ell[0]) / ell[1]));
            ctx.lineTo(ax.X(1.2), ax.Y((L - 1.2 * ell[0]) / ell[1]));
        } else {
            ctx.moveTo(ax.X(L / ell[0]), ax.Y(-0.1));
            ctx.lineTo(ax.X(L / ell[0]), ax.Y(1.2));
        }
        ctx.stroke();
        /* the loss direction */
        const tip = [ell[0] * 0.98, ell[1] * 0.98];
        strokeStyle(ctx, ARROW_COLOR, 'solid', 1.8);
        ctx.beginPath();
        ctx.moveTo(ax.X(0), ax.Y(0));
        ctx.lineTo(ax.X(tip[0]), ax.Y(tip[1]));
        ctx.stroke();
        arrowHead(ctx, ax.X(0), ax.Y(0), ax.X(tip[0]), ax.Y(tip[1]), ARROW_COLOR, 11);
        ctx.beginPath();
        ctx.arc(ax.X(tip[0]), ax.Y(tip[1]), 9, 0, 2 * Math.PI);
        ctx.setLineDash([]);
        ctx.lineWidth = 1;
        ctx.strokeStyle = 'rgba(34, 34, 34, 0.35)';
        ctx.stroke();
        marker(ctx, 'circle', ax.X(0.5), ax.Y(0.5), 8, '#000');
        marker(ctx, 'diamond', ax.X(r.weights[0]), ax.Y(r.weights[1]), 12, PALETTE[0]);
        ctx.restore();
        drawLegend(ax, [
            { kind: 'fill', color: PALETTE[0], fill: 'rgba(0, 114, 178, 0.12)',
              label: 'W: γ = ' + fmt(g, 3) + ', τ = ' + fmt(tau, 3) },
            { kind: 'line', color: PALETTE[0], dash: 'dotted', width: 1.3, label: '‖w‖ₚ = γ beyond the cap' },
            { kind: 'arrow', color: ARROW_COLOR, width: 1.8, label: 'loss direction ℓ (drag)' },
            { kind: 'line', color: PALETTE[0], dash: 'dashed', width: 1.3, label: 'level line w·ℓ = L' },
            { kind: 'marker', shape: 'diamond', color: PALETTE[0], size: 11, label: 'w*' },
            { kind: 'marker', shape: 'circle', color: '#000', label: 'uniform w = (½, ½)' },
        ], legend);
        el.angleOut.textContent = '(' + ell[0].toFixed(3) + ', ' + ell[1].toFixed(3) + ')';
        el.angleSlider.setAttribute('aria-valuetext', 'loss direction (' + ell[0].toFixed(2) + ', ' +
                                    ell[1].toFixed(2) + ')');
        el.regionNumbers.textContent = 'ℓ = (' + ell[0].toFixed(3) + ', ' + ell[1].toFixed(3) +
            '), w* = (' + r.weights[0].toFixed(3) + ', ' + r.weights[1].toFixed(3) + ')\nL = w*·ℓ = ' +
            r.value.toFixed(4) + ', mean loss = ' + r.mean.toFixed(4) +
            (r.n_clamped > 0 && r.n_clamped < 2 ? ', one weight at the cap τ' : '');
    }

    function regionPointer(ev) {
        if (region.ax === null)
            return;
        const rect = el.regionCanvas.getBoundingClientRect();
        const x = region.ax.Xinv(ev.clientX - rect.left);
        const y = region.ax.Yinv(ev.clientY - rect.top);
        if (x <= 0 && y <= 0)
            return;
        let a = (Math.atan2(Math.max(y, 0), Math.max(x, 0)) * 180) / Math.PI;
        a = Math.round(Math.min(90, Math.max(0, a)) * 2) / 2;
        state.angle = a;
        el.angleSlider.value = String(a);
        schedule(DIRTY_REGION);
    }

    /* -------------------------------------------------------- Figure 3 (map) */

    let f16table = null;

    function halfToFloat(h) {
        const s = h & 0x8000 ? -1 : 1;
        const e = (h >> 10) & 0x1f;
        const f = h & 0x3ff;
        if (e === 0)
            return s * f * Math.pow(2, -24);
        if (e === 31)
            return f ? NaN : s * Infinity;
        return s * (1 + f / 1024) * Math.pow(2, e - 15);
    }

    /* A 2-D float16/32/64 .npy (C order, little-endian) as
     * {data: Float32Array, height, width}; throws with what was expected. */
    function parseNpy(buffer) {
        const bytes = new Uint8Array(buffer);
        const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
        if (bytes.length < 10 || magic.some(function (b, i) { return bytes[i] !== b; }))
            throw new Error('not a .npy file (no \\x93NUMPY magic)');
        const major = bytes[6];
        const dv = new DataView(buffer);
        let hlen;
        let start;
        if (major === 1) {
            hlen = dv.getUint16(8, true);
            start = 10;
        } else if (major === 2 || major === 3) {
            hlen = dv.getUint32(8, true);
            start = 12;
        } else {
            throw new Error('unknown .npy version ' + major);
        }
        if (start + hlen > bytes.length)
            throw new Error('truncated .npy header');
        let header = '';
        for (let i = start; i < start + hlen; i++)
            header += String.fromCharCode(bytes[i]);
        const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
        const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
        const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
        if (!descr || !fortran || !shapeM)
            throw new Error('cannot read the .npy header: ' + header.trim());
        if (fortran[1] === 'True')
            throw new Error('expected a C-order array, got fortran_order=True ' +
                            '(save np.ascontiguousarray(a) instead)');
        let shape = shapeM[1].split(',').map(function (s) { return s.trim(); })
            .filter(function (s) { return s.length > 0; }).map(Number);
        if (shape.length > 2)
            shape = shape.filter(function (d) { return d !== 1; });
        if (shape.length !== 2 || shape.some(function (d) { return !Number.isInteger(d) || d < 1; }))
            throw new Error('expected a 2-D loss map (H, W), got shape (' + shapeM[1].trim() + ')');
        const d = descr[1];
        const kinds = { '<f2': 2, '<f4': 4, '<f8': 8, '=f2': 2, '=f4': 4, '=f8': 8 };
        const size = kinds[d];
        if (!size)
            throw new Error('expected float16, float32 or float64 (little-endian), got dtype \'' + d + '\'');
        const count = shape[0] * shape[1];
        const off = start + hlen;
        if (off + count * size > bytes.length)
            throw new Error('the file holds fewer than ' + shape[0] + ' x ' + shape[1] + ' values');
        const raw = buffer.slice(off, off + count * size);
        let data;
        if (size === 4) {
            data = new Float32Array(raw);
        } else if (size === 8) {
            data = Float32Array.from(new Float64Array(raw));
        } else {
            if (f16table === null) {
                f16table = new Float32Array(65536);
                for (let h = 0; h < 65536; h++)
                    f16table[h] = halfToFloat(h);
            }
            const h16 = new Uint16Array(raw);
            data = new Float32Array(count);
            for (let i = 0; i < count; i++)
                data[i] = f16table[h16[i]];
        }
        return { data: data, height: shape[0], width: shape[1] };
    }

    function setMapStatus(text, isError) {
        el.mapStatus.textContent = text;
        el.mapStatus.classList.toggle('error', !!isError);
    }

    function loadMap(data, height, width, name) {
        if (data.length !== height * width)
            throw new Error('loadMap: ' + data.length + ' values for ' + height + ' x ' + width);
        putLosses('map', data);
        map.n = data.length;
        map.w = width;
        map.h = height;
        map.name = name || 'map';
        el.mapCanvas.width = width;
        el.mapCanvas.height = height;
        /* a small map is enlarged with visible pixels, a large one smoothed */
        el.mapCanvas.style.imageRendering = width < 600 ? 'pixelated' : 'auto';
        map.image = el.mapCanvas.getContext('2d').createImageData(width, height);
        el.mapWrap.hidden = false;
        return redrawMap();
    }

    let viridis32 = null;

    function lut32() {
        if (viridis32 === null) {
            viridis32 = new Uint32Array(257);
            for (let i = 0; i < 256; i++) {
                const r = parseInt(VIRIDIS_HEX.substr(6 * i, 2), 16);
                const g = parseInt(VIRIDIS_HEX.substr(6 * i + 2, 2), 16);
                const b = parseInt(VIRIDIS_HEX.substr(6 * i + 4, 2), 16);
                viridis32[i] = (0xff000000 | (b << 16) | (g << 8) | r) >>> 0;
            }
            viridis32[256] = (0xff000000 | (IGNORED_RGB[2] << 16) | (IGNORED_RGB[1] << 8) | IGNORED_RGB[0]) >>> 0;
        }
        return viridis32;
    }

    function redrawMap() {
        if (map.n === 0)
            return 0;
        const t0 = performance.now();
        const flags = FLAG_IGNORE_NONFINITE | (state.ignoreZeros ? FLAG_IGNORE_ZEROS : 0);
        let r;
        try {
            r = solveSlot('map', map.n, state.p, state.m, flags);
        } catch (e) {
            const i = e.index;
            setMapStatus(map.name + ': ' + (e.status === LMP_ERR_INVALID_LOSS
                ? 'the loss at row ' + Math.floor(i / map.w) + ', column ' + (i % map.w) + ' is ' +
                  e.value + '; losses must be >= 0'
                : e.message), true);
            return 0;
        }
        map.result = r;
        const loss = lossView('map', map.n);
        const w = r.weights;
        const lut = lut32();
        const px = new Uint32Array(map.image.data.buffer);
        const nn = r.n_valid;
        const vmax = nn * r.tau > 0 ? nn * r.tau : 1;
        const zeros = state.ignoreZeros;
        const n = map.n;
        let sum = 0;
        if (state.scale === 'log') {
            const vmin = vmax / 1000;
            const k = 255 / Math.log(1000);
            for (let i = 0; i < n; i++) {
                const l = loss[i];
                if (!(l - l === 0) || (zeros && l === 0)) {
                    px[i] = lut[256];
                    continue;
                }
                const wi = w[i];
                const v = nn * wi;
                const c = v > vmin ? (Math.log(v / vmin) * k + 0.5) | 0 : 0;
                sum += wi;
                px[i] = lut[c > 255 ? 255 : c];
            }
        } else {
            const k = (255 * nn) / vmax;
            for (let i = 0; i < n; i++) {
                const l = loss[i];
                if (!(l - l === 0) || (zeros && l === 0)) {
                    px[i] = lut[256];
                    continue;
                }
                const wi = w[i];
                const c = (wi * k + 0.5) | 0;
                px[i] = lut[c > 255 ? 255 : c];
                sum += wi;
            }
        }
        el.mapCanvas.getContext('2d').putImageData(map.image, 0, 0);
        drawColorbar(vmax, state.scale);
        map.ms = performance.now() - t0;
        el.mapNumbers.textContent = map.name + ': ' + map.h + ' × ' + map.w + ', n = ' + fmtInt(nn) +
            ' valid\nL = ' + fmt(r.value, 5) + ', mean = ' + fmt(r.mean, 5) + ', L / mean = ' +
            (r.mean > 0 ? (r.value / r.mean).toFixed(3) : '–') + '\nθ = ' + fmt(r.theta, 4) +
            ', τ = ' + fmt(r.tau, 3) + ', clamped ' + fmtInt(r.n_clamped) + ', Σw = ' +
            sum.toFixed(4) + '\nsolve + draw ' + map.ms.toFixed(0) + ' ms';
        setMapStatus(r.status === LMP_ERR_EMPTY ? map.name + ': no valid pixel' : '', false);
        return map.ms;
    }

    function drawColorbar(vmax, scale) {
        const cv = el.barCanvas;
        const hCss = Math.max(120, Math.round(el.mapCanvas.getBoundingClientRect().height) || 300);
        cv.style.height = hCss + 'px';
        const ctx = canvasContext(cv, function () { return hCss; });
        const W = ctx.cssWidth;
        const H = ctx.cssHeight;
        const x0 = 4;
        const bw = 16;
        const y0 = 8;
        const bh = H - 16;
        const lut = lut32();
        for (let i = 0; i < 256; i++) {
            const c = lut[i];
            ctx.fillStyle = 'rgb(' + (c & 255) + ',' + ((c >> 8) & 255) + ',' + ((c >> 16) & 255) + ')';
            const ya = y0 + bh - ((i + 1) / 256) * bh;
            ctx.fillRect(x0, Math.floor(ya), bw, Math.ceil(bh / 256) + 1);
        }
        ctx.strokeStyle = '#000';
        ctx.lineWidth = 1;
        ctx.strokeRect(x0 + 0.5, y0 + 0.5, bw, bh);
        ctx.fillStyle = '#000';
        ctx.font = font(11);
        ctx.textAlign = 'left';
        ctx.textBaseline = 'middle';
        const ticks = [];
        if (scale === 'log') {
            const vmin = vmax / 1000;
            for (let e = Math.ceil(Math.log10(vmin)); Math.pow(10, e) < vmax * 0.8; e++)
                ticks.push([Math.log(Math.pow(10, e) / vmin) / Math.log(1000), fmt(Math.pow(10, e), 2)]);
        } else {
            const step = niceStep(vmax, 5);
            for (let v = 0; v < vmax * 0.93; v += step)
                ticks.push([v / vmax, tickLabel(v, step)]);
        }
        ticks.push([1, fmt(vmax, 3) + ' cap']);
        ctx.beginPath();
        for (const [t, label] of ticks) {
            const y = Math.round(y0 + bh - t * bh) + 0.5;
            ctx.moveTo(x0 + bw, y);
            ctx.lineTo(x0 + bw + 4, y);
            ctx.fillText(label, x0 + bw + 6, y, W - bw - 12);
        }
        ctx.stroke();
        ctx.save();
        ctx.translate(W - 6, y0 + bh / 2);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = 'center';
        ctx.textBaseline = 'bottom';
        ctx.fillText('n·wᵢ (1 = uniform)', 0, 0);
        ctx.restore();
    }

    /* A made-up 512 x 256 loss map: easy background, a few hard objects
     * with harder edges, and an ignored band (zeros) at the bottom. */
    function exampleMap() {
        const W = 512;
        const H = 256;
        const rnd = mulberry32(7);
        const data = new Float32Array(W * H);
        const blobs = [];
        for (let k = 0; k < 7; k++)
            blobs.push([rnd() * W, rnd() * H * 0.8, 12 + rnd() * 40, 0.5 + 2.5 * rnd()]);
        for (let y = 0; y < H; y++) {
            for (let x = 0; x < W; x++) {
                let l = 0.05 * -Math.log(1 - rnd());
                for (const [cx, cy, rad, hard] of blobs) {
                    const d = Math.hypot(x - cx, y - cy) / rad;
                    l += hard * Math.exp(-d * d) * (0.6 + 0.8 * Math.exp(-8 * (d - 1) * (d - 1)));
                }
                const horizon = 0.55 * H + 10 * Math.sin(x / 40);
                l += 0.8 * Math.exp(-((y - horizon) * (y - horizon)) / 8);
                data[y * W + x] = y > 0.9 * H ? 0 : l;
            }
        }
        return { data: data, height: H, width: W };
    }

    function readFile(file) {
        setMapStatus('reading ' + file.name + '…', false);
        file.arrayBuffer().then(function (buf) {
            const a = parseNpy(buf);
            loadMap(a.data, a.height, a.width, file.name);
        }).catch(function (e) {
            setMapStatus(file.name + ': ' + e.message, true);
        });
    }

    /* ------------------------------------------------------------ schedule */

    const DIRTY_PROFILE = 1;
    const DIRTY_REGION = 2;
    const DIRTY_MAP = 4;
    const DIRTY_ALL = 7;
    let dirty = 0;
    let frame = 0;

    function flush() {
        frame = 0;
        const d = dirty;
        dirty = 0;
        if (d & DIRTY_PROFILE)
            redrawProfile();
        if (d & DIRTY_REGION)
            drawRegion();
        if (d & DIRTY_MAP)
            redrawMap();
    }

    function schedule(what) {
        dirty |= what;
        if (frame === 0)
            frame = requestAnimationFrame(flush);
    }

    function syncControls() {
        el.pOut.textContent = fmtP(state.p);
        el.pSlider.setAttribute('aria-valuetext', 'p = ' + fmtP(state.p));
        el.mOut.textContent = String(state.m);
        el.mSlider.setAttribute('aria-valuetext', 'm = ' + state.m);
        el.mpx2Out.textContent = state.mpx2.toFixed(2);
    }

    /* For tests and the console: set parameters as the controls would. */
    function setParams(o) {
        if (o.p !== undefined) {
            state.p = o.p;
            el.pSlider.value = String(pToSlider(o.p));
        }
        if (o.m !== undefined) {
            state.m = o.m;
            el.mSlider.value = String(mToSlider(o.m));
        }
        if (o.n !== undefined) {
            state.n = o.n;
            el.nSelect.value = String(o.n);
        }
        if (o.dist !== undefined) {
            state.dist = o.dist;
            el.distSelect.value = o.dist;
        }
        if (o.mpx2 !== undefined) {
            state.mpx2 = o.mpx2;
            el.mpx2Slider.value = String(o.mpx2);
        }
        if (o.angle !== undefined) {
            state.angle = o.angle;
            el.angleSlider.value = String(o.angle);
        }
        syncControls();
        flush();
        dirty = DIRTY_ALL;
        flush();
    }

    /* Milliseconds of re-solve + redraw over iters runs, p taking the
     * values of pList in turn ({median, min, max}); a one-pixel read-back
     * makes the canvas finish drawing. */
    function timeRedraw(which, iters, pList) {
        const ps = pList || [1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9];
        const times = [];
        const p0 = state.p;
        const canvas = which === 'map' ? el.mapCanvas : el.shareCanvas;
        for (let k = 0; k < iters; k++) {
            state.p = ps[k % ps.length];
            const t0 = performance.now();
            if (which === 'map')
                redrawMap();
            else
                redrawProfile();
            canvas.getContext('2d').getImageData(0, 0, 1, 1);
            times.push(performance.now() - t0);
        }
        state.p = p0;
        times.sort(function (a, b) { return a - b; });
        return { median: times[Math.floor(times.length / 2)], min: times[0],
                 max: times[times.length - 1] };
    }

    /* ----------------------------------------------------------------- wiring */

    function byId(id) {
        return document.getElementById(id);
    }

    function init() {
        el.pSlider = byId('p-slider');
        el.pOut = byId('p-out');
        el.mSlider = byId('m-slider');
        el.mOut = byId('m-out');
        el.nSelect = byId('n-select');
        el.distSelect = byId('dist-select');
        el.angleSlider = byId('angle-slider');
        el.angleOut = byId('angle-out');
        el.mpx2Slider = byId('mpx2-slider');
        el.mpx2Out = byId('mpx2-out');
        el.regionCanvas = byId('region-canvas');
        el.regionNumbers = byId('region-numbers');
        el.profileCanvas = byId('profile-canvas');
        el.shareCanvas = byId('share-canvas');
        el.logxCheck = byId('logx-check');
        el.numQ = byId('num-q');
        el.numTheta = byId('num-theta');
        el.numTau = byId('num-tau');
        el.numGamma = byId('num-gamma');
        el.numMpx = byId('num-mpx');
        el.numRatio = byId('num-ratio');
        el.numSumw = byId('num-sumw');
        el.numClamped = byId('num-clamped');
        el.numTime = byId('num-time');
        el.dropZone = byId('drop-zone');
        el.npyInput = byId('npy-input');
        el.exampleButton = byId('example-button');
        el.zerosCheck = byId('zeros-check');
        el.scaleSelect = byId('scale-select');
        el.mapStatus = byId('map-status');
        el.mapNumbers = byId('map-numbers');
        el.mapWrap = byId('map-wrap');
        el.mapCanvas = byId('map-canvas');
        el.barCanvas = byId('bar-canvas');
        byId('version').textContent = 'liblmp ' + lmp.version;

        state.p = sliderToP(Number(el.pSlider.value));
        state.m = sliderToM(Number(el.mSlider.value));
        state.n = Number(el.nSelect.value);
        state.dist = el.distSelect.value;
        state.angle = Number(el.angleSlider.value);
        state.mpx2 = Number(el.mpx2Slider.value);
        state.logx = el.logxCheck.checked;
        state.ignoreZeros = el.zerosCheck.checked;
        state.scale = el.scaleSelect.value;
        syncControls();

        el.pSlider.addEventListener('input', function () {
            state.p = sliderToP(Number(el.pSlider.value));
            syncControls();
            schedule(DIRTY_ALL);
        });
        el.mSlider.addEventListener('input', function () {
            state.m = sliderToM(Number(el.mSlider.value));
            syncControls();
            schedule(DIRTY_ALL);
        });
        el.nSelect.addEventListener('change', function () {
            state.n = Number(el.nSelect.value);
            schedule(DIRTY_PROFILE);
        });
        el.distSelect.addEventListener('change', function () {
            state.dist = el.distSelect.value;
            schedule(DIRTY_PROFILE);
        });
        el.logxCheck.addEventListener('change', function () {
            state.logx = el.logxCheck.checked;
            schedule(DIRTY_PROFILE);
        });
        el.angleSlider.addEventListener('input', function () {
            state.angle = Number(el.angleSlider.value);
            schedule(DIRTY_REGION);
        });
        el.mpx2Slider.addEventListener('input', function () {
            state.mpx2 = Number(el.mpx2Slider.value);
            syncControls();
            schedule(DIRTY_REGION);
        });
        el.zerosCheck.addEventListener('change', function () {
            state.ignoreZeros = el.zerosCheck.checked;
            schedule(DIRTY_MAP);
        });
        el.scaleSelect.addEventListener('change', function () {
            state.scale = el.scaleSelect.value;
            schedule(DIRTY_MAP);
        });

        let dragging = false;
        el.regionCanvas.addEventListener('pointerdown', function (ev) {
            dragging = true;
            el.regionCanvas.setPointerCapture(ev.pointerId);
            regionPointer(ev);
        });
        el.regionCanvas.addEventListener('pointermove', function (ev) {
            if (dragging)
                regionPointer(ev);
        });
        el.regionCanvas.addEventListener('pointerup', function () {
            dragging = false;
        });
        el.regionCanvas.addEventListener('pointercancel', function () {
            dragging = false;
        });

        el.npyInput.addEventListener('change', function () {
            if (el.npyInput.files.length > 0)
                readFile(el.npyInput.files[0]);
        });
        el.exampleButton.addEventListener('click', function () {
            const a = exampleMap();
            loadMap(a.data, a.height, a.width, 'made-up map');
        });
        el.dropZone.addEventListener('keydown', function (ev) {
            if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                el.npyInput.click();
            }
        });
        /* A file dropped anywhere is read here rather than opened by the browser. */
        document.addEventListener('dragover', function (ev) {
            ev.preventDefault();
            el.dropZone.classList.add('over');
        });
        document.addEventListener('dragleave', function (ev) {
            if (ev.target === document.documentElement || ev.target === el.dropZone)
                el.dropZone.classList.remove('over');
        });
        document.addEventListener('drop', function (ev) {
            ev.preventDefault();
            el.dropZone.classList.remove('over');
            if (ev.dataTransfer && ev.dataTransfer.files.length > 0)
                readFile(ev.dataTransfer.files[0]);
        });

        const controls = document.querySelector('.controls');
        const setStickyOffset = function () {
            document.documentElement.style.setProperty('--controls-height', controls.offsetHeight + 'px');
        };
        setStickyOffset();
        window.addEventListener('resize', function () {
            setStickyOffset();
            schedule(DIRTY_ALL);
        });
        dirty = DIRTY_ALL;
        flush();
        /* again, so that the time shown is not the first draw's (the
         * workspace allocated, the canvases and fonts set up) */
        redrawProfile();
    }

    let readyResolve;
    let readyReject;
    const lmp = {
        version: null,
        ready: new Promise(function (res, rej) {
            readyResolve = res;
            readyReject = rej;
        }),
        solve: solve,
        parseNpy: parseNpy,
        page: {
            state: state,
            setParams: setParams,
            loadMap: loadMap,
            exampleMap: exampleMap,
            timeRedraw: timeRedraw,
            profile: profile,
            map: map,
            region: region,
        },
    };
    window.lmp = lmp;

    function start() {
        if (typeof createLmpModule !== 'function') {
            const e = new Error('lmp.js did not load: the WebAssembly solver is missing');
            document.body.classList.add('failed');
            readyReject(e);
            throw e;
        }
        createLmpModule().then(function (mod) {
            M = mod;
            lmp.version = M.UTF8ToString(M._lmp_version());
            init();
            document.documentElement.dataset.ready = '1';
            readyResolve(lmp);
        }, readyReject);
    }

    if (document.readyState === 'loading')
        document.addEventListener('DOMContentLoaded', start);
    else
        start();
})();
