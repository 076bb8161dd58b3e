#!/bin/sh
# TAP: files written by weir_writer_parquet.so (through tests/tools/parquet_gen,
# every supported type with edge values, every codec, several row groups and
# pages) are read back by DuckDB and by hyparquet and compared value by value
# with what the tool wrote to expected.jsonl. The footer is decoded with
# hyparquet's Thrift reader to check types, codecs, encodings (dictionary and
# its PLAIN fallback), statistics and the page index against values computed
# here, independently, from expected.jsonl; DuckDB's parquet_metadata(),
# parquet_schema() and parquet_kv_metadata() are checked too.
#
# Needs: WEIR_SRCDIR, WEIR_BUILDDIR (or run from the build dir), node and
# tests/node/node_modules (npm ci in tests/node).
set -u
SRC=${WEIR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${WEIR_BUILDDIR:-$PWD}
GEN=$BUILD/tests/tools/parquet_gen
PLUGINS=${WEIR_PLUGIN_PATH:-$BUILD/.libs}

bail() {
    echo "1..1"
    echo "not ok 1 - $1"
    exit 1
}

if [ ! -x "$GEN" ]; then
    make -C "$BUILD" tests/tools/parquet_gen >/dev/null 2>&1
fi
[ -x "$GEN" ] || bail "tests/tools/parquet_gen is not built in $BUILD (make check builds it)"
[ -f "$PLUGINS/weir_writer_parquet.so" ] || bail "no weir_writer_parquet.so in $PLUGINS"
command -v node >/dev/null 2>&1 || bail "node is not installed: the readers cannot run"
[ -d "$SRC/tests/node/node_modules/@duckdb/node-api" ] ||
    bail "tests/node/node_modules is missing (cd tests/node && npm ci)"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/weir-parquet.XXXXXX")
trap 'rm -rf "$OUT"' EXIT INT TERM
if ! WEIR_PLUGIN_PATH=$PLUGINS "$GEN" "$OUT" 12000 >"$OUT/gen.log" 2>&1; then
    echo "1..1"
    echo "not ok 1 - parquet_gen wrote the test files"
    sed 's/^/# /' "$OUT/gen.log"
    exit 1
fi
echo "ok 1 - parquet_gen wrote the test files"

cd "$SRC/tests/node" || bail "no $SRC/tests/node"
PQDIR=$OUT TAP_START=1 exec node --input-type=module - <<'EOF'
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as C from './canon.mjs';
import { duckMeta, readWith } from './read.mjs';

// hyparquet's Thrift decoder gives the footer's raw fields (field_N), so the
// statistics bytes can be checked exactly.
const { deserializeTCompactProtocol } = await import(
    pathToFileURL(`${process.cwd()}/node_modules/hyparquet/src/thrift.js`).href);

const dir = process.env.PQDIR;
let n = Number(process.env.TAP_START || 0), failed = 0;
function ok(cond, name, ...diag) {
    n++;
    if (!cond) {
        failed++;
    }
    console.log(`${cond ? '' : 'not '}ok ${n} - ${name}`);
    if (!cond) {
        for (const d of diag) {
            console.log(`#   ${String(d).slice(0, 400)}`);
        }
    }
}

// ---- expected values --------------------------------------------------------

const lines = readFileSync(`${dir}/expected.jsonl`, 'utf8').split('\n').filter(l => l !== '');
const cols = JSON.parse(lines[0]).columns;
const raw = lines.slice(1).map(l => JSON.parse(l));
const nrows = raw.length;

const fromHex = h => Uint8Array.from(h.match(/../g) || [], x => parseInt(x, 16));
const decOf = f => {
    const m = /^d:(\d+),(\d+)$/.exec(f);
    return m ? { p: Number(m[1]), s: Number(m[2]) } : null;
};
const isUuid = c => c.name === 'uid';
const isJson = c => c.name === 'js';
const floorDiv = (a, b) => (a % b < 0n ? a / b - 1n : a / b);

// Physical value after the writer's conversion (timestamps floored to ms in
// the ms file).
function physical(c, v, ms) {
    if (v === null) {
        return null;
    }
    if (c.format.startsWith('tsu:') && ms) {
        return floorDiv(BigInt(v), 1000n);
    }
    return v;
}

function canonical(c, v, ms) {
    if (v === null) {
        return null;
    }
    const f = c.format;
    switch (f) {
    case 'b': return v;
    case 'f': {
        const dv = new DataView(new ArrayBuffer(4));
        dv.setUint32(0, parseInt(v, 16));
        return C.fmtFloat(dv.getFloat32(0), 32);
    }
    case 'g': {
        const dv = new DataView(new ArrayBuffer(8));
        dv.setBigUint64(0, BigInt(`0x${v}`));
        return C.fmtFloat(dv.getFloat64(0), 64);
    }
    case 'u': return C.decodeUtf8(fromHex(v));
    case 'z': return v;
    case 'tdD': return C.fmtDate(Number(v));
    case 'ttu': return C.fmtTime(BigInt(v), 'us');
    default:
        if (decOf(f)) {
            return C.fmtDecimal(BigInt(v), decOf(f).s);
        }
        if (f.startsWith('w:')) {
            return isUuid(c) ? C.fmtUuid(fromHex(v)) : v;
        }
        if (f.startsWith('tsu:')) {
            const p = physical(c, v, ms);
            return C.fmtTimestamp(p, ms ? 'ms' : 'us', f !== 'tsu:');
        }
        return v; // integers: decimal strings already
    }
}

function canonicalType(c, reader, ms) {
    const ints = { c: 'int8', s: 'int16', i: 'int32', l: 'int64', C: 'uint8', S: 'uint16',
        I: 'uint32' };
    const f = c.format;
    if (ints[f]) {
        return ints[f];
    }
    const d = decOf(f);
    if (d) {
        return `decimal(${d.p},${d.s})`;
    }
    if (f.startsWith('tsu:')) {
        return (f === 'tsu:' ? 'timestamp' : 'timestamptz') + (ms && reader === 'hyparquet' ? '_ms' : '');
    }
    if (f.startsWith('w:')) {
        return isUuid(c) ? 'uuid' : 'binary';
    }
    return { b: 'boolean', f: 'float32', g: 'float64', u: isJson(c) ? 'json' : 'string',
        z: 'binary', tdD: 'date', ttu: 'time' }[f];
}

// ---- statistics as the spec defines them, computed here -----------------------

function decWidth(p) {
    for (let w = 1; w <= 16; w++) {
        if (10n ** BigInt(p) - 1n <= (1n << BigInt(8 * w - 1)) - 1n) {
            return w;
        }
    }
    return 16;
}

// {kind, bytes(v) -> Uint8Array of the PLAIN value, key(v) -> comparable, legacy}
function statModel(c) {
    const f = c.format;
    const le = (bits, v, signed) => {
        const dv = new DataView(new ArrayBuffer(bits / 8));
        if (bits === 32) {
            signed ? dv.setInt32(0, Number(v), true) : dv.setUint32(0, Number(v), true);
        } else {
            dv.setBigInt64(0, BigInt(v), true);
        }
        return new Uint8Array(dv.buffer);
    };
    const d = decOf(f);
    if (['c', 's', 'i', 'tdD'].includes(f) || (d && d.p <= 9)) {
        return { kind: 'int', bytes: v => le(32, v, true), key: v => BigInt(v), legacy: true };
    }
    if (['C', 'S', 'I'].includes(f)) {
        return { kind: 'int', bytes: v => le(32, v, false), key: v => BigInt(v), legacy: false };
    }
    if (f === 'l' || f === 'ttu' || f.startsWith('tsu:') || (d && d.p <= 18)) {
        return { kind: 'int', bytes: v => le(64, v, true), key: v => BigInt(v), legacy: true };
    }
    if (d) {
        const w = decWidth(d.p);
        return {
            kind: 'int', legacy: false, key: v => BigInt(v),
            bytes: v => {
                let x = BigInt.asUintN(8 * w, BigInt(v));
                const out = new Uint8Array(w);
                for (let i = w - 1; i >= 0; i--) {
                    out[i] = Number(x & 0xffn);
                    x >>= 8n;
                }
                return out;
            },
        };
    }
    if (f === 'f' || f === 'g') {
        const size = f === 'f' ? 4 : 8;
        const num = v => {
            const dv = new DataView(new ArrayBuffer(size));
            size === 4 ? dv.setUint32(0, parseInt(v, 16)) : dv.setBigUint64(0, BigInt(`0x${v}`));
            return size === 4 ? dv.getFloat32(0) : dv.getFloat64(0);
        };
        const enc = x => {
            const dv = new DataView(new ArrayBuffer(size));
            size === 4 ? dv.setFloat32(0, x, true) : dv.setFloat64(0, x, true);
            return new Uint8Array(dv.buffer);
        };
        return { kind: 'float', num, enc, legacy: true };
    }
    if (f === 'b') {
        return { kind: 'int', bytes: v => Uint8Array.of(v ? 1 : 0), key: v => (v ? 1n : 0n),
            legacy: false };
    }
    return { kind: 'bytes', utf8: f === 'u', bytes: v => fromHex(v), legacy: false };
}

const cmpBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

// Upper bound of a string truncated to 64 bytes, as parquet.thrift allows:
// increment the last character (UTF-8) or byte; null when impossible.
function roundUp(bytes, utf8) {
    if (!utf8) {
        let k = 64;
        while (k > 0 && bytes[k - 1] === 0xff) {
            k--;
        }
        if (k === 0) {
            return null;
        }
        const out = bytes.slice(0, k);
        out[k - 1]++;
        return out;
    }
    let cut = 64;
    while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) {
        cut--;
    }
    const chars = [...new TextDecoder().decode(bytes.slice(0, cut))];
    while (chars.length) {
        let cp = chars.pop().codePointAt(0) + 1;
        if (cp >= 0xd800 && cp <= 0xdfff) {
            cp = 0xe000;
        }
        if (cp <= 0x10ffff) {
            return new TextEncoder().encode(chars.join('') + String.fromCodePoint(cp));
        }
    }
    return null;
}

function truncMin(bytes, utf8) {
    let cut = 64;
    while (utf8 && cut > 0 && (bytes[cut] & 0xc0) === 0x80) {
        cut--;
    }
    return bytes.slice(0, cut);
}

// Expected Statistics of values `vals` (physical, NULLs included).
function expectStats(c, vals) {
    const m = statModel(c);
    const present = vals.filter(v => v !== null);
    const st = { null_count: vals.length - present.length, min: null, max: null,
        minExact: true, maxExact: true, nan: null, legacy: m.legacy };
    if (m.kind === 'float') {
        const xs = present.map(m.num);
        st.nan = xs.filter(Number.isNaN).length;
        const real = xs.filter(x => !Number.isNaN(x));
        if (real.length) {
            let lo = Math.min(...real), hi = Math.max(...real);
            if (lo === 0) {
                lo = -0;
            }
            if (hi === 0) {
                hi = 0;
            }
            st.min = m.enc(lo);
            st.max = m.enc(hi);
        }
        return st;
    }
    if (!present.length) {
        return st;
    }
    if (m.kind === 'int') {
        let lo = present[0], hi = present[0];
        for (const v of present) {
            if (m.key(v) < m.key(lo)) {
                lo = v;
            }
            if (m.key(v) > m.key(hi)) {
                hi = v;
            }
        }
        st.min = m.bytes(lo);
        st.max = m.bytes(hi);
        return st;
    }
    let lo = m.bytes(present[0]), hi = lo;
    for (const v of present) {
        const b = m.bytes(v);
        if (cmpBytes(b, lo) < 0) {
            lo = b;
        }
        if (cmpBytes(b, hi) > 0) {
            hi = b;
        }
    }
    if (lo.length > 64) {
        st.min = truncMin(lo, m.utf8);
        st.minExact = false;
    } else {
        st.min = lo;
    }
    if (hi.length > 64) {
        st.max = roundUp(hi, m.utf8);
        st.maxExact = false;
    } else {
        st.max = hi;
    }
    return st;
}

const hexs = b => (b == null ? 'absent' : C.hex(b));

function statsDiff(got, want) {
    const d = [];
    const eq = (a, b) => (a == null && b == null) || (a != null && b != null && cmpBytes(a, b) === 0);
    if (Number(got?.field_3) !== want.null_count) {
        d.push(`null_count ${got?.field_3} want ${want.null_count}`);
    }
    if (!eq(got?.field_6, want.min)) {
        d.push(`min_value ${hexs(got?.field_6)} want ${hexs(want.min)}`);
    }
    if (!eq(got?.field_5, want.max)) {
        d.push(`max_value ${hexs(got?.field_5)} want ${hexs(want.max)}`);
    }
    if (want.min && got?.field_8 !== want.minExact) {
        d.push(`is_min_value_exact ${got?.field_8} want ${want.minExact}`);
    }
    if (want.max && got?.field_7 !== want.maxExact) {
        d.push(`is_max_value_exact ${got?.field_7} want ${want.maxExact}`);
    }
    const legacy = want.legacy && want.min !== null;
    if (!eq(got?.field_2, legacy ? want.min : null) || !eq(got?.field_1, legacy ? want.max : null)) {
        d.push(`deprecated min/max ${hexs(got?.field_2)}/${hexs(got?.field_1)}`);
    }
    if (want.nan !== null && Number(got?.field_9) !== want.nan) {
        d.push(`nan_count ${got?.field_9} want ${want.nan}`);
    }
    return d;
}

// ---- the files --------------------------------------------------------------

const files = [
    { name: 'none', codec: 0 }, { name: 'snappy', codec: 1 }, { name: 'gzip', codec: 2 },
    { name: 'zstd', codec: 6 }, { name: 'lz4', codec: 7 }, { name: 'ms', codec: 6, ms: true },
];
const ENC = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 };
const duckCodec = { 0: 'UNCOMPRESSED', 1: 'SNAPPY', 2: 'GZIP', 6: 'ZSTD', 7: 'LZ4_RAW' };
const dec = new TextDecoder();

function footerOf(buf) {
    const len = buf.readUInt32LE(buf.length - 8);
    const view = new DataView(buf.buffer, buf.byteOffset + buf.length - 8 - len, len);
    return deserializeTCompactProtocol({ view, offset: 0 });
}

function thriftAt(buf, off, len) {
    return deserializeTCompactProtocol({ view: new DataView(buf.buffer, buf.byteOffset + off, len),
        offset: 0 });
}

for (const file of files) {
    const path = `${dir}/${file.name}.parquet`;
    const ms = !!file.ms;
    const want = raw.map(r => {
        const o = {};
        cols.forEach((c, i) => {
            o[c.name] = canonical(c, r[i], ms);
        });
        return o;
    });

    // values, through both readers
    for (const reader of ['duckdb', 'hyparquet']) {
        let res;
        try {
            res = await readWith(reader, [path]);
        } catch (e) {
            ok(false, `${file.name}: ${reader} reads the file`, e.message);
            continue;
        }
        const names = res.schema.map(s => s.name).join(',');
        ok(names === cols.map(c => c.name).join(','), `${file.name}: ${reader} column names`, names);
        const types = res.schema.map(s => s.type);
        const wantTypes = cols.map(c => canonicalType(c, reader, ms));
        ok(JSON.stringify(types) === JSON.stringify(wantTypes), `${file.name}: ${reader} column types`,
            `got  ${types.join(',')}`, `want ${wantTypes.join(',')}`);
        ok(res.rows.length === nrows, `${file.name}: ${reader} row count ${res.rows.length}`);
        const byId = new Map(res.rows.map(r => [r.id, r]));
        const bad = [];
        let mism = 0;
        for (const w of want) {
            const g = byId.get(w.id);
            for (const c of cols) {
                const gv = g ? g[c.name] : undefined;
                if (gv !== w[c.name]) {
                    mism++;
                    if (bad.length < 5) {
                        const s = x => (JSON.stringify(x) ?? 'undefined').slice(0, 120);
                        bad.push(`id ${w.id} ${c.name}: got ${s(gv)} want ${s(w[c.name])}`);
                    }
                }
            }
        }
        ok(mism === 0, `${file.name}: ${reader} every value equals expected.jsonl (${nrows} rows x ` +
            `${cols.length} columns)`, `${mism} values differ`, ...bad);
    }

    // footer, decoded raw
    const buf = readFileSync(path);
    ok(buf.subarray(0, 4).toString() === 'PAR1' && buf.subarray(-4).toString() === 'PAR1',
        `${file.name}: PAR1 magic at both ends`);
    const fm = footerOf(buf);
    const rgs = fm.field_4;
    ok(fm.field_1 === 1 && Number(fm.field_3) === nrows && rgs.length >= 3,
        `${file.name}: version 1, ${nrows} rows, ${rgs.length} row groups`);
    ok(dec.decode(fm.field_6) === 'weir parquet_gen', `${file.name}: created_by`);
    const kv = Object.fromEntries((fm.field_5 || []).map(e => [dec.decode(e.field_1),
        dec.decode(e.field_2)]));
    ok(kv['weir.run_id'] === 'run-0001' && kv['weir.watermark'] === '{"low":null,"high":"2026-01-01"}',
        `${file.name}: key_value_metadata from meta.* options`, JSON.stringify(kv));
    ok((fm.field_7 || []).length === cols.length && fm.field_7.every(o => o.field_1 !== undefined),
        `${file.name}: TYPE_ORDER column orders`);
    const el = fm.field_2.slice(1);
    ok(el.every(e => e.field_3 === 1), `${file.name}: every column OPTIONAL`);

    let start = 0, statBad = [], codecBad = [], pageBad = [], ciBad = [];
    let i8DictOnly = true, dictPages = 0, maxPages = 0;
    // the id column (distinct values): chunks of 128 values or more are PLAIN
    // with no dictionary page, since the dictionary is given up at 128 entries
    // before the first 8KiB page is cut (drivers/parquet/README.md)
    let idPlain = 0;
    const idBad = [];
    for (const [g, rg] of rgs.entries()) {
        const rows = Number(rg.field_3);
        let sumRows = 0;
        rg.field_1.forEach((cc, i) => {
            const c = cols[i], md = cc.field_3;
            if (md.field_4 !== file.codec) {
                codecBad.push(`rg ${g} ${c.name} codec ${md.field_4}`);
            }
            if (Number(md.field_5) !== rows) {
                codecBad.push(`rg ${g} ${c.name} num_values ${md.field_5} rows ${rows}`);
            }
            const vals = raw.slice(start, start + rows).map(r => physical(c, r[i], ms));
            const d = statsDiff(md.field_12, expectStats(c, vals));
            if (d.length) {
                statBad.push(`rg ${g} ${c.name}: ${d.join('; ')}`);
            }
            const es = md.field_13 || [];
            const dictData = es.filter(e => e.field_1 === 0 && e.field_2 === ENC.RLE_DICTIONARY)
                .reduce((a, e) => a + e.field_3, 0);
            const plainData = es.filter(e => e.field_1 === 0 && e.field_2 === ENC.PLAIN)
                .reduce((a, e) => a + e.field_3, 0);
            const encs = md.field_2;
            if (dictData > 0) {
                dictPages++;
                if (md.field_11 === undefined || !encs.includes(ENC.RLE_DICTIONARY) ||
                    !encs.includes(ENC.PLAIN)) {
                    codecBad.push(`rg ${g} ${c.name}: dictionary pages but encodings ${encs}`);
                }
            }
            if (c.name === 'id' && rows >= 128) {
                if (dictData === 0 && plainData > 0 && md.field_11 === undefined &&
                    !encs.includes(ENC.RLE_DICTIONARY)) {
                    idPlain++;
                } else {
                    idBad.push(`rg ${g}: ${dictData} dictionary and ${plainData} PLAIN data pages, ` +
                        `dictionary page at ${md.field_11}`);
                }
            }
            if (c.name === 'i8' && (plainData > 0 || dictData === 0)) {
                i8DictOnly = false;
            }
            if (c.format === 'b' && (dictData > 0 || encs.includes(ENC.RLE_DICTIONARY))) {
                codecBad.push(`rg ${g} b: boolean column is dictionary encoded`);
            }
            // offset index: pages in order, starting at row 0, covering the chunk
            const oi = thriftAt(buf, Number(cc.field_4), cc.field_5);
            const locs = oi.field_1;
            maxPages = Math.max(maxPages, locs.length);
            const firstData = Number(md.field_9);
            let pos = firstData, okLocs = locs.length > 0 && Number(locs[0].field_3) === 0;
            for (const [k, l] of locs.entries()) {
                okLocs = okLocs && Number(l.field_1) === pos &&
                    (k === 0 || Number(l.field_3) > Number(locs[k - 1].field_3));
                pos += l.field_2;
            }
            const chunkStart = md.field_11 !== undefined ? Number(md.field_11) : firstData;
            okLocs = okLocs && pos === chunkStart + Number(md.field_7);
            if (!okLocs) {
                pageBad.push(`rg ${g} ${c.name}: offset index does not tile the chunk`);
            }
            // column index: per-page bounds computed from the page's rows
            if (cc.field_6 === undefined) {
                const pageVals = locs.map((l, k) => vals.slice(Number(l.field_3),
                    k + 1 < locs.length ? Number(locs[k + 1].field_3) : rows));
                const nanOnly = pageVals.some(pv => {
                    const s = expectStats(c, pv);
                    return s.min === null && s.null_count < pv.length;
                });
                if (!nanOnly && !(c.format === 'z' || c.format === 'u')) {
                    ciBad.push(`rg ${g} ${c.name}: no column index`);
                }
            } else {
                const ci = thriftAt(buf, Number(cc.field_6), cc.field_7);
                locs.forEach((l, k) => {
                    const pv = vals.slice(Number(l.field_3),
                        k + 1 < locs.length ? Number(locs[k + 1].field_3) : rows);
                    const s = expectStats(c, pv);
                    const nullPage = s.null_count === pv.length;
                    const eq = (a, b) => cmpBytes(a, b ?? new Uint8Array()) === 0;
                    if (ci.field_1[k] !== nullPage || Number(ci.field_5[k]) !== s.null_count ||
                        (!nullPage && (!eq(ci.field_2[k], s.min) || !eq(ci.field_3[k], s.max)))) {
                        ciBad.push(`rg ${g} ${c.name} page ${k}: column index ` +
                            `${ci.field_1[k]}/${ci.field_5[k]} ${C.hex(ci.field_2[k])}..` +
                            `${C.hex(ci.field_3[k])} want ${nullPage}/${s.null_count} ` +
                            `${hexs(s.min)}..${hexs(s.max)}`);
                    }
                });
                if (c.name === 'id' && ci.field_4 !== 1) {
                    ciBad.push(`rg ${g} id: boundary_order ${ci.field_4}, want ASCENDING`);
                }
            }
            sumRows += Number(md.field_5);
        });
        if (sumRows !== rows * cols.length) {
            codecBad.push(`rg ${g}: value counts do not add up`);
        }
        start += rows;
    }
    ok(codecBad.length === 0, `${file.name}: codec, value counts and encodings of every chunk`,
        ...codecBad.slice(0, 5));
    ok(statBad.length === 0, `${file.name}: chunk statistics (null_count, min/max_value, exact ` +
        'flags, deprecated min/max, nan_count) match values computed from expected.jsonl',
        ...statBad.slice(0, 6));
    ok(pageBad.length === 0, `${file.name}: offset index of every chunk`, ...pageBad.slice(0, 5));
    ok(ciBad.length === 0, `${file.name}: column index of every chunk`, ...ciBad.slice(0, 6));
    ok(idPlain > 0 && idBad.length === 0, `${file.name}: the distinct id column gives its ` +
        `dictionary up: PLAIN pages, no dictionary page (${idPlain} chunks)`, ...idBad.slice(0, 5));
    ok(maxPages >= 3, `${file.name}: chunks of several data pages (up to ${maxPages})`);
    ok(i8DictOnly && dictPages > 0, `${file.name}: the low-cardinality i8 column stays dictionary encoded`);

    // DuckDB's own view of the metadata
    const dm = await duckMeta(path);
    const pm = dm.parquet_metadata;
    const fmeta = dm.parquet_file_metadata[0];
    ok(Array.isArray(pm) && Number(fmeta.num_row_groups) === rgs.length &&
        pm.every(r => r.compression === duckCodec[file.codec]),
        `${file.name}: duckdb parquet_metadata row groups and codec ${duckCodec[file.codec]}`);
    const sch = Object.fromEntries(dm.parquet_schema.slice(1).map(r => [r.name, r]));
    const wantSchema = {
        i8: ['INT32', 'INT_8', 'TINYINT'], u32: ['INT32', 'UINT_32', 'UINTEGER'],
        dec9: ['INT32', 'DECIMAL', 'DECIMAL(9,2)'], dec18: ['INT64', 'DECIMAL', 'DECIMAL(18,4)'],
        dec38: ['FIXED_LEN_BYTE_ARRAY', 'DECIMAL', 'DECIMAL(38,10)'],
        u64: ['FIXED_LEN_BYTE_ARRAY', 'DECIMAL', 'DECIMAL(20,0)'],
        str: ['BYTE_ARRAY', 'UTF8', 'VARCHAR'], js: ['BYTE_ARRAY', 'JSON', 'JSON'],
        bin: ['BYTE_ARRAY', null, 'BLOB'], uid: ['FIXED_LEN_BYTE_ARRAY', null, 'UUID'],
        day: ['INT32', 'DATE', 'DATE'], tod: ['INT64', 'TIME_MICROS', 'TIME'],
        ts: ['INT64', ms ? 'TIMESTAMP_MILLIS' : 'TIMESTAMP_MICROS', 'TIMESTAMP'],
        tstz: ['INT64', ms ? 'TIMESTAMP_MILLIS' : 'TIMESTAMP_MICROS', 'TIMESTAMP WITH TIME ZONE'],
    };
    const schBad = Object.entries(wantSchema).filter(([k, [t, ct, dt]]) =>
        sch[k]?.type !== t || sch[k]?.converted_type !== ct ||
        (sch[k]?.duckdb_type !== dt && !(ms && dt.startsWith('TIMESTAMP'))))
        .map(([k]) => `${k}: ${JSON.stringify(sch[k])}`);
    ok(schBad.length === 0 && sch.u64.type_length === '9' && sch.dec38.type_length === '16' &&
        /isAdjustedToUTC=1/.test(sch.tstz.logical_type) && /isAdjustedToUTC=0/.test(sch.ts.logical_type) &&
        /isAdjustedToUTC=0/.test(sch.tod.logical_type) && /UUIDType/.test(sch.uid.logical_type) &&
        new RegExp(ms ? 'MILLIS=MilliSeconds' : 'MICROS=MicroSeconds').test(sch.ts.logical_type),
        `${file.name}: duckdb parquet_schema physical, converted and logical types`, ...schBad);
    // DuckDB's statistics strings for columns whose canonical form it shares
    let duckStatBad = [];
    let rgStart = 0;
    const rgRows = [];
    for (const rg of rgs) {
        rgRows.push([rgStart, rgStart + Number(rg.field_3)]);
        rgStart += Number(rg.field_3);
    }
    for (const r of pm) {
        const i = cols.findIndex(c => c.name === r.path_in_schema);
        const c = cols[i];
        if (!/^[csilCSI]$/.test(c.format) && !decOf(c.format)) {
            continue;
        }
        const [a, b] = rgRows[Number(r.row_group_id)];
        const vals = raw.slice(a, b).map(x => x[i]).filter(v => v !== null);
        const m = statModel(c);
        const lo = vals.reduce((p, v) => (m.key(v) < m.key(p) ? v : p));
        const hi = vals.reduce((p, v) => (m.key(v) > m.key(p) ? v : p));
        if (r.stats_min_value !== canonical(c, lo, ms) || r.stats_max_value !== canonical(c, hi, ms)) {
            duckStatBad.push(`rg ${r.row_group_id} ${c.name}: ${r.stats_min_value}..${r.stats_max_value} ` +
                `want ${canonical(c, lo, ms)}..${canonical(c, hi, ms)}`);
        }
    }
    ok(duckStatBad.length === 0, `${file.name}: duckdb stats_min_value/stats_max_value of integer ` +
        'and decimal columns', ...duckStatBad.slice(0, 5));
    const dkv = Object.fromEntries(dm.parquet_kv_metadata.map(r => [r.key, r.value]));
    ok(dkv['weir.run_id'] === 'run-0001' && fmeta.created_by === 'weir parquet_gen',
        `${file.name}: duckdb parquet_kv_metadata and created_by`);
}

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
EOF
