#!/usr/bin/env node
// Independent readers of the Parquet files weir writes. Prints the rows as
// canonical JSON lines (see canon.mjs), first a schema line
//   {"#schema":[{"name":"id","type":"int64"},...]}
// then one object per row, keys in column order.
//
//   node tests/node/read.mjs --reader duckdb|hyparquet [--sort COL[,COL]] FILE_OR_GLOB...
//   node tests/node/read.mjs --sql "SELECT ... FROM lake" [--table] FILE_OR_GLOB...
//        (--table: an aligned text table for people instead of JSON lines)
//        (DuckDB; the files are the view `lake`; read_parquet(...) works too)
//   node tests/node/read.mjs --meta FILE
//        (DuckDB's parquet_metadata, parquet_schema and parquet_kv_metadata, and
//        hyparquet's file metadata, as one JSON object)
// Globs: * and ? within a path segment, ** for any depth; @LIST names a file
// that lists files or globs, one a line. Exit status: 0,
// 64 usage, 66 when a glob matches no file, 1 when a reader fails.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import * as C from './canon.mjs';

// --- files ---------------------------------------------------------------

function globToRegExp(seg) {
    let re = '';
    for (const ch of seg) {
        if (ch === '*') {
            re += '[^/]*';
        } else if (ch === '?') {
            re += '[^/]';
        } else {
            re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        }
    }
    return new RegExp(`^${re}$`);
}

function walk(dir, segs, out) {
    if (segs.length === 0) {
        out.push(dir);
        return;
    }
    const [seg, ...rest] = segs;
    if (seg === '**') {
        walk(dir, rest, out);
        for (const e of safeReaddir(dir)) {
            if (e.isDirectory()) {
                walk(path.join(dir, e.name), segs, out);
            }
        }
        return;
    }
    if (!/[*?]/.test(seg)) {
        const p = path.join(dir, seg);
        try {
            statSync(p);
            walk(p, rest, out);
        } catch {
            // no such entry: no match
        }
        return;
    }
    const re = globToRegExp(seg);
    for (const e of safeReaddir(dir)) {
        if (re.test(e.name) && (rest.length === 0 || e.isDirectory())) {
            walk(path.join(dir, e.name), rest, out);
        }
    }
}

function safeReaddir(dir) {
    try {
        return readdirSync(dir, { withFileTypes: true });
    } catch {
        return [];
    }
}

// Files named or matched by the arguments, each glob sorted, duplicates removed.
export function expandFiles(args) {
    const files = [];
    for (const a of args) {
        if (a.startsWith('@')) {
            // @LIST: a file naming one file or glob a line
            const listed = readFileSync(a.slice(1), 'utf8').split('\n').filter(l => l !== '');
            files.push(...expandFiles(listed));
            continue;
        }
        if (!/[*?]/.test(a)) {
            files.push(a);
            continue;
        }
        const abs = path.resolve(a);
        const segs = abs.split('/').filter(s => s !== '');
        const out = [];
        walk('/', segs, out);
        const matched = out.filter(f => {
            try {
                return statSync(f).isFile();
            } catch {
                return false;
            }
        }).sort();
        if (matched.length === 0) {
            const e = new Error(`no file matches ${a}`);
            e.exitCode = 66;
            throw e;
        }
        files.push(...matched);
    }
    return [...new Set(files)];
}

// --- DuckDB --------------------------------------------------------------

function duckType(t) {
    const s = t.toString();
    if (t.alias === 'JSON') {
        return 'json';
    }
    const simple = {
        BOOLEAN: 'boolean', TINYINT: 'int8', SMALLINT: 'int16', INTEGER: 'int32', BIGINT: 'int64',
        UTINYINT: 'uint8', USMALLINT: 'uint16', UINTEGER: 'uint32', UBIGINT: 'uint64',
        HUGEINT: 'int128', FLOAT: 'float32', DOUBLE: 'float64', VARCHAR: 'string', BLOB: 'binary',
        DATE: 'date', TIME: 'time', TIME_NS: 'time_ns', TIMESTAMP: 'timestamp',
        'TIMESTAMP WITH TIME ZONE': 'timestamptz', TIMESTAMP_S: 'timestamp_s',
        TIMESTAMP_MS: 'timestamp_ms', TIMESTAMP_NS: 'timestamp_ns', UUID: 'uuid',
        INTERVAL: 'interval',
    };
    if (simple[s]) {
        return simple[s];
    }
    const m = /^DECIMAL\((\d+),(\d+)\)$/.exec(s);
    if (m) {
        return `decimal(${m[1]},${m[2]})`;
    }
    if (/\[\]$/.test(s) && t.valueType) {
        return `list<${duckType(t.valueType)}>`;
    }
    return `other:${s}`;
}

function duckValue(v, type) {
    if (v === null || v === undefined) {
        return null;
    }
    if (type === 'boolean') {
        return !!v;
    }
    if (C.isIntegerType(type)) {
        return BigInt(v).toString();
    }
    if (type === 'float32') {
        return C.fmtFloat(v, 32);
    }
    if (type === 'float64') {
        return C.fmtFloat(v, 64);
    }
    if (type.startsWith('decimal(')) {
        return C.fmtDecimal(v.value, v.scale);
    }
    switch (type) {
    case 'string': case 'json':
        return String(v);
    case 'binary':
        return C.hex(v.bytes);
    case 'uuid':
        return String(v).toLowerCase();
    case 'date':
        return v.isFinite ? C.fmtDate(v.days) : (v.days > 0 ? 'infinity' : '-infinity');
    case 'time':
        return C.fmtTime(v.micros, 'us');
    case 'time_ns':
        return C.fmtTime(v.nanos, 'ns');
    case 'timestamp': case 'timestamptz':
        if (!v.isFinite) {
            return v.micros > 0n ? 'infinity' : '-infinity';
        }
        return C.fmtTimestamp(v.micros, 'us', type === 'timestamptz');
    case 'timestamp_s':
        return C.fmtTimestamp(v.seconds, 's');
    case 'timestamp_ms':
        return C.fmtTimestamp(v.millis, 'ms');
    case 'timestamp_ns':
        return C.fmtTimestamp(v.nanos, 'ns');
    default:
        if (type.startsWith('list<') && v.items) {
            const inner = type.slice(5, -1);
            return v.items.map(x => duckValue(x, inner));
        }
        return String(v);
    }
}

let duckInstance = null;

async function duckConnect() {
    if (!duckInstance) {
        duckInstance = await DuckDBInstance.create(':memory:');
    }
    return duckInstance.connect();
}

function sqlString(s) {
    return `'${s.replace(/'/g, "''")}'`;
}

function parquetSource(files) {
    return `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false, ` +
        'binary_as_string = false)';
}

async function duckResult(con, sql) {
    const r = await con.runAndReadAll(sql);
    const names = r.columnNames();
    const types = r.columnTypes().map(duckType);
    const schema = names.map((n, i) => ({ name: n, type: types[i] }));
    const rows = r.getRows().map(row => {
        const o = {};
        row.forEach((v, i) => {
            o[names[i]] = duckValue(v, types[i]);
        });
        return o;
    });
    return { schema, rows };
}

export async function readDuckdb(files) {
    const con = await duckConnect();
    try {
        return await duckResult(con, `SELECT * FROM ${parquetSource(files)}`);
    } finally {
        con.closeSync();
    }
}

export async function duckSql(sql, files) {
    const con = await duckConnect();
    try {
        if (files.length) {
            await con.run(`CREATE OR REPLACE TEMP VIEW lake AS SELECT * FROM ${parquetSource(files)}`);
        }
        return await duckResult(con, sql);
    } finally {
        con.closeSync();
    }
}

export async function duckMeta(file) {
    const con = await duckConnect();
    const f = sqlString(file);
    try {
        const out = {};
        for (const fn of ['parquet_file_metadata', 'parquet_metadata', 'parquet_schema',
            'parquet_kv_metadata']) {
            try {
                const r = await con.runAndReadAll(`SELECT * FROM ${fn}(${f})`);
                out[fn] = r.getRowObjectsJson();
            } catch (e) {
                out[fn] = { error: String(e.message || e) };
            }
        }
        return out;
    } finally {
        con.closeSync();
    }
}

// --- hyparquet -----------------------------------------------------------

// The canonical type of a Parquet leaf schema element.
export function parquetType(el) {
    const lt = el.logical_type, ct = el.converted_type, pt = el.type;
    if (lt?.type === 'DECIMAL' || ct === 'DECIMAL') {
        return `decimal(${lt?.precision ?? el.precision},${lt?.scale ?? el.scale ?? 0})`;
    }
    if (lt?.type === 'INTEGER') {
        return `${lt.isSigned ? 'int' : 'uint'}${lt.bitWidth}`;
    }
    const cints = { INT_8: 'int8', INT_16: 'int16', INT_32: 'int32', INT_64: 'int64',
        UINT_8: 'uint8', UINT_16: 'uint16', UINT_32: 'uint32', UINT_64: 'uint64' };
    if (cints[ct]) {
        return cints[ct];
    }
    if (lt?.type === 'DATE' || ct === 'DATE') {
        return 'date';
    }
    if (lt?.type === 'TIME') {
        return lt.unit === 'NANOS' ? 'time_ns' : 'time';
    }
    if (ct === 'TIME_MILLIS' || ct === 'TIME_MICROS') {
        return 'time';
    }
    if (lt?.type === 'TIMESTAMP') {
        const sfx = { MILLIS: '_ms', MICROS: '', NANOS: '_ns' }[lt.unit] ?? '';
        return lt.isAdjustedToUTC ? `timestamptz${sfx}` : `timestamp${sfx}`;
    }
    if (ct === 'TIMESTAMP_MILLIS') {
        return 'timestamptz_ms';
    }
    if (ct === 'TIMESTAMP_MICROS') {
        return 'timestamptz';
    }
    if (lt?.type === 'UUID') {
        return 'uuid';
    }
    if (lt?.type === 'JSON' || ct === 'JSON') {
        return 'json';
    }
    if (lt?.type === 'STRING' || lt?.type === 'ENUM' || ct === 'UTF8' || ct === 'ENUM') {
        return 'string';
    }
    if (lt?.type === 'FLOAT16') {
        return 'float16';
    }
    switch (pt) {
    case 'BOOLEAN': return 'boolean';
    case 'INT32': return 'int32';
    case 'INT64': return 'int64';
    case 'INT96': return 'timestamp_ns';
    case 'FLOAT': return 'float32';
    case 'DOUBLE': return 'float64';
    case 'BYTE_ARRAY': case 'FIXED_LEN_BYTE_ARRAY': return 'binary';
    default: return `other:${pt}`;
    }
}

// A raw (unconverted) Parquet value of element `el` to the canonical form.
function hyValue(v, el, type) {
    if (v === null || v === undefined) {
        return null;
    }
    if (type === 'boolean') {
        return !!v;
    }
    if (type.startsWith('decimal(')) {
        const unscaled = v instanceof Uint8Array ? C.bigintFromBytes(v) : BigInt(v);
        return C.fmtDecimal(unscaled, C.decimalType(type).scale);
    }
    if (C.isIntegerType(type)) {
        let b = BigInt(v);
        if (type === 'uint64' && b < 0n) {
            b += 1n << 64n;
        } else if (type === 'uint32' && b < 0n) {
            b += 1n << 32n;
        }
        return b.toString();
    }
    const lt = el.logical_type;
    switch (type) {
    case 'float32': return C.fmtFloat(v, 32);
    case 'float64': return C.fmtFloat(v, 64);
    case 'float16': return C.fmtFloat(v, 32);
    case 'string': case 'json': return C.decodeUtf8(v);
    case 'binary': return C.hex(v);
    case 'uuid': return C.fmtUuid(v);
    case 'date': return C.fmtDate(Number(v));
    case 'time': {
        const unit = lt?.unit === 'MILLIS' || el.converted_type === 'TIME_MILLIS' ? 'ms' : 'us';
        return C.fmtTime(v, unit);
    }
    case 'time_ns': return C.fmtTime(v, 'ns');
    default: {
        const m = /^timestamp(tz)?(_ms|_ns)?$/.exec(type);
        if (m) {
            const unit = m[2] === '_ms' ? 'ms' : m[2] === '_ns' ? 'ns' : 'us';
            return C.fmtTimestamp(v, unit, !!m[1]);
        }
        return typeof v === 'bigint' ? v.toString() : String(v);
    }
    }
}

// The leaf of a standard 3-level LIST starting at schema element i, or null.
function listLeaf(schema, i) {
    const el = schema[i], rep = schema[i + 1], leaf = schema[i + 2];
    const isList = el.converted_type === 'LIST' || el.logical_type?.type === 'LIST';
    if (!isList || el.num_children !== 1 || !rep || rep.repetition_type !== 'REPEATED' ||
        rep.num_children !== 1 || !leaf || leaf.type === undefined) {
        return null;
    }
    return leaf;
}

function hyList(v, leaf, inner) {
    if (v === null || v === undefined) {
        return null;
    }
    return Array.from(v, x => hyValue(x, leaf, inner));
}

async function readOneHyparquet(file) {
    const buf = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buf);
    const orig = metadata.schema.map(e => ({ ...e }));
    // Strip the annotations so hyparquet hands out the physical values
    // (its DECIMAL and TIMESTAMP conversions go through JS numbers and Dates,
    // which lose digits); canon.mjs converts them exactly instead.
    for (const e of metadata.schema) {
        if (e.type !== undefined) {
            delete e.converted_type;
            delete e.logical_type;
        }
    }
    // The top-level columns: flat, or the 3-level LIST weir writes for arrays
    // (optional group (LIST) > repeated group > leaf), read as list<leaf type>
    // with each element converted like a flat value; any other nested column
    // comes out as hyparquet assembles it.
    const cols = [];
    let i = 1;
    while (i < orig.length) {
        const el = orig[i];
        const leaf = listLeaf(orig, i);
        cols.push(leaf ? { el, leaf, type: `list<${parquetType(leaf)}>` }
            : { el, type: el.type !== undefined ? parquetType(el) : `other:group` });
        // skip the children of a group
        let skip = el.num_children || 0;
        i++;
        while (skip > 0) {
            skip += (orig[i].num_children || 0) - 1;
            i++;
        }
    }
    let rows = [];
    await parquetRead({
        file: buf,
        metadata,
        compressors,
        utf8: false,
        rowFormat: 'array',
        parsers: { timestampFromNanoseconds: n => n },
        onComplete: r => {
            rows = r;
        },
    });
    return {
        schema: cols.map(c => ({ name: c.el.name, type: c.type })),
        rows: rows.map(r => {
            const o = {};
            cols.forEach((c, j) => {
                o[c.el.name] = c.leaf ? hyList(r[j], c.leaf, c.type.slice(5, -1))
                    : c.type.startsWith('other:') ? jsonSafe(r[j]) : hyValue(r[j], c.el, c.type);
            });
            return o;
        }),
        metadata,
    };
}

function jsonSafe(v) {
    return JSON.parse(JSON.stringify(v, (k, x) => {
        if (typeof x === 'bigint') {
            return x.toString();
        }
        if (x instanceof Uint8Array) {
            return C.hex(x);
        }
        return x;
    }));
}

export async function readHyparquet(files) {
    let schema = null;
    const rows = [];
    for (const f of files) {
        const r = await readOneHyparquet(f);
        if (schema === null) {
            schema = r.schema;
        } else if (JSON.stringify(schema) !== JSON.stringify(r.schema)) {
            throw new Error(`${f}: schema ${JSON.stringify(r.schema)} differs from the first file's ` +
                JSON.stringify(schema));
        }
        for (const row of r.rows) rows.push(row); // no spread: a big file overflows the stack
    }
    return { schema: schema || [], rows };
}

export async function hyMeta(file) {
    const buf = await asyncBufferFromFile(file);
    return jsonSafe(await parquetMetadataAsync(buf));
}

// --- output --------------------------------------------------------------

export function schemaTypes(schema) {
    const t = {};
    for (const c of schema) {
        t[c.name] = c.type;
    }
    return t;
}

export function sortRows(result, keys) {
    if (keys && keys.length) {
        result.rows.sort(C.rowComparator(keys, schemaTypes(result.schema)));
    }
    return result;
}

export function printResult(result, write = s => process.stdout.write(s)) {
    write(JSON.stringify({ '#schema': result.schema }) + '\n');
    // Build the output in chunks: one string per row keeps memory proportional.
    let chunk = '';
    for (const r of result.rows) {
        chunk += JSON.stringify(r) + '\n';
        if (chunk.length > 1 << 20) {
            write(chunk);
            chunk = '';
        }
    }
    if (chunk) {
        write(chunk);
    }
}

// A table for people (the demo, README examples): one header line, values as
// text without JSON quotes, numbers right-aligned, NULL for null.
export function printTable(result, write = s => process.stdout.write(s)) {
    const names = result.schema.map(c => c.name);
    const numeric = result.schema.map(c => /^(u?int\d+|float\d+|decimal)/.test(c.type));
    const cells = result.rows.map(r => names.map(n => (r[n] === null ? 'NULL' : String(r[n]))));
    const width = names.map((n, i) => Math.max(n.length, ...cells.map(c => c[i].length)));
    const line = row => row.map((v, i) => (numeric[i] ? v.padStart(width[i]) : v.padEnd(width[i])))
        .join('  ').trimEnd() + '\n';
    write(line(names));
    write(line(width.map(w => '-'.repeat(w))));
    for (const c of cells) {
        write(line(c));
    }
}

export async function readWith(reader, files) {
    if (reader === 'duckdb') {
        return readDuckdb(files);
    }
    if (reader === 'hyparquet') {
        return readHyparquet(files);
    }
    throw Object.assign(new Error(`unknown reader ${reader} (duckdb | hyparquet)`), { exitCode: 64 });
}

function usage(msg) {
    process.stderr.write(`read.mjs: ${msg}\n` +
        'usage: read.mjs --reader duckdb|hyparquet [--sort COL,...] FILE_OR_GLOB...\n' +
        '       read.mjs --sql "SELECT ... FROM lake" [--table] [FILE_OR_GLOB...]\n' +
        '       read.mjs --meta FILE\n');
    process.exit(64);
}

async function main(argv) {
    let reader = null, sql = null, meta = null, sort = null, table = false;
    const args = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
        if (a === '--reader') {
            reader = next();
        } else if (a === '--sql') {
            sql = next();
        } else if (a === '--meta') {
            meta = next();
        } else if (a === '--table') {
            table = true;
        } else if (a === '--sort') {
            sort = next().split(',');
        } else if (a === '-h' || a === '--help') {
            usage('help');
        } else if (a.startsWith('--')) {
            usage(`unknown option ${a}`);
        } else {
            args.push(a);
        }
    }
    const out = s => process.stdout.write(s);
    if (meta) {
        const [f] = expandFiles([meta]);
        out(JSON.stringify({ file: f, duckdb: await duckMeta(f), hyparquet: await hyMeta(f) }) + '\n');
        return;
    }
    if (sql) {
        const result = sortRows(await duckSql(sql, expandFiles(args)), sort);
        (table ? printTable : printResult)(result, out);
        return;
    }
    if (!reader) {
        usage('--reader, --sql or --meta is required');
    }
    if (args.length === 0) {
        usage('no files given');
    }
    printResult(sortRows(await readWith(reader, expandFiles(args)), sort), out);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    process.stdout.on('error', () => process.exit(1));
    main(process.argv.slice(2)).catch(e => {
        process.stderr.write(`read.mjs: ${e.message || e}\n`);
        process.exit(e.exitCode || 1);
    });
}
