#!/usr/bin/env node
// Lints Parquet footers against weir's compatibility contract (drivers/TYPES.md).
//
//   node tests/node/lint.mjs [--glue TABLE_JSON] [--assume PROFILE] [--weir-only] FILE_OR_GLOB|@LIST...
//
// Every leaf column's physical type and annotations (a list column's element
// leaf included; lists must be the standard 3-level LIST) must be a row of
// CONTRACT allowed in the file's profile (footer key weir.types_profile: compat, the
// default, or native); the converted type, when written, must be the row's;
// weir.source_types must be a JSON object whose keys are column names.
// --glue TABLE_JSON (a Glue table, as GetTable returns it or its Table) also
// checks that each Glue column type is the row's Hive type for the column.
// --assume PROFILE lints as if every file declared PROFILE (to show what a
// native file would break under compat). --weir-only skips (and counts) files
// another writer made (footer created_by not starting with "weir"), such as
// the Parquet files tests export from DuckDB.
// Prints one "# " line per problem; exit status 0 clean, 1 problems, 2 unreadable.
import { readFileSync } from 'node:fs';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { expandFiles } from './read.mjs';

// sig: physical type / annotation, as sig() spells it. profiles: where it may
// appear. ct: the converted type that goes with it (null: none). hive: the Glue
// type ('decimal' takes the column's precision and scale).
const CONTRACT = [
    { sig: 'BOOLEAN', profiles: 'both', ct: null, hive: 'boolean' },
    { sig: 'INT32/INT(8,true)', profiles: 'both', ct: 'INT_8', hive: 'tinyint' },
    { sig: 'INT32/INT(16,true)', profiles: 'both', ct: 'INT_16', hive: 'smallint' },
    { sig: 'INT32/INT(32,true)', profiles: 'both', ct: 'INT_32', hive: 'int' },
    { sig: 'INT64/INT(64,true)', profiles: 'both', ct: 'INT_64', hive: 'bigint' },
    { sig: 'INT32/INT(8,false)', profiles: 'native', ct: 'UINT_8', hive: 'smallint' },
    { sig: 'INT32/INT(16,false)', profiles: 'native', ct: 'UINT_16', hive: 'int' },
    { sig: 'INT32/INT(32,false)', profiles: 'native', ct: 'UINT_32', hive: 'bigint' },
    { sig: 'FLOAT', profiles: 'both', ct: null, hive: 'float' },
    { sig: 'DOUBLE', profiles: 'both', ct: null, hive: 'double' },
    { sig: 'INT32/DECIMAL', profiles: 'native', ct: 'DECIMAL', hive: 'decimal' },
    { sig: 'INT64/DECIMAL', profiles: 'native', ct: 'DECIMAL', hive: 'decimal' },
    { sig: 'FIXED_LEN_BYTE_ARRAY/DECIMAL', profiles: 'both', ct: 'DECIMAL', hive: 'decimal' },
    { sig: 'BYTE_ARRAY/STRING', profiles: 'both', ct: 'UTF8', hive: 'string' },
    { sig: 'BYTE_ARRAY/JSON', profiles: 'both', ct: 'JSON', hive: 'string' },
    { sig: 'BYTE_ARRAY', profiles: 'both', ct: null, hive: 'binary' },
    { sig: 'INT32/DATE', profiles: 'both', ct: 'DATE', hive: 'date' },
    { sig: 'INT64/TIMESTAMP(MICROS,true)', profiles: 'both', ct: 'TIMESTAMP_MICROS', hive: 'timestamp' },
    { sig: 'INT64/TIMESTAMP(MICROS,false)', profiles: 'both', ct: 'TIMESTAMP_MICROS', hive: 'timestamp' },
    { sig: 'INT64/TIMESTAMP(MILLIS,true)', profiles: 'both', ct: 'TIMESTAMP_MILLIS', hive: 'timestamp' },
    { sig: 'INT64/TIMESTAMP(MILLIS,false)', profiles: 'both', ct: 'TIMESTAMP_MILLIS', hive: 'timestamp' },
    { sig: 'FIXED_LEN_BYTE_ARRAY/UUID', profiles: 'native', ct: null, hive: 'binary' },
    { sig: 'FIXED_LEN_BYTE_ARRAY', profiles: 'native', ct: null, hive: 'binary' },
    { sig: 'INT64/TIME(MICROS,false)', profiles: 'native', ct: 'TIME_MICROS', hive: 'bigint' },
];

function sig(el) {
    const lt = el.logical_type;
    if (!lt) {
        return el.type;
    }
    switch (lt.type) {
    case 'INTEGER': return `${el.type}/INT(${lt.bitWidth},${lt.isSigned})`;
    case 'TIMESTAMP': case 'TIME': return `${el.type}/${lt.type}(${lt.unit},${lt.isAdjustedToUTC})`;
    default: return `${el.type}/${lt.type}`;
    }
}

function hiveOf(row, el) {
    if (row.hive !== 'decimal') {
        return row.hive;
    }
    const lt = el.logical_type;
    return `decimal(${lt?.precision ?? el.precision},${lt?.scale ?? el.scale ?? 0})`;
}

function glueColumns(path) {
    const t = JSON.parse(readFileSync(path, 'utf8'));
    const table = t.Table ?? t.table ?? t;
    const cols = new Map();
    for (const c of table.StorageDescriptor?.Columns ?? []) {
        cols.set(c.Name.toLowerCase(), c.Type.replace(/\s+/g, '').toLowerCase());
    }
    return cols;
}

export async function lintFile(file, glue = null, assume = null, weirOnly = false) {
    const problems = [];
    const md = await parquetMetadataAsync(await asyncBufferFromFile(file));
    if (weirOnly && !String(md.created_by ?? '').startsWith('weir')) {
        return { profile: null, problems, foreign: true };
    }
    const kv = Object.fromEntries((md.key_value_metadata ?? []).map(e => [e.key, e.value]));
    const profile = assume ?? kv['weir.types_profile'];
    if (profile !== 'compat' && profile !== 'native') {
        problems.push(`footer key weir.types_profile is ${JSON.stringify(profile)}, not compat or native`);
    }
    // Top-level columns: a leaf, or the standard 3-level LIST (LogicalTypes.md
    // "Lists"): optional group <name> (LIST) { repeated group list { optional
    // <leaf> element } }, whose leaf follows the rows and whose Glue type is
    // array<leaf's Hive type>. Any other group is a problem.
    const cols = [];
    const nodes = md.schema;
    for (let i = 1; i < nodes.length;) {
        const el = nodes[i];
        if (!el.num_children) {
            cols.push({ name: el.name, leaf: el, list: false });
            i++;
            continue;
        }
        const rep = nodes[i + 1], leaf = nodes[i + 2];
        const isList = el.num_children === 1 && el.repetition_type === 'OPTIONAL' &&
            el.converted_type === 'LIST' && el.logical_type?.type === 'LIST' &&
            rep?.repetition_type === 'REPEATED' && rep?.name === 'list' && rep?.num_children === 1 &&
            leaf && !leaf.num_children && leaf.name === 'element' && leaf.repetition_type === 'OPTIONAL';
        if (!isList) {
            problems.push(`column ${el.name}: a group that is not the 3-level LIST of the contract`);
            let skip = el.num_children;
            i++;
            while (skip > 0 && i < nodes.length) {
                skip += (nodes[i].num_children || 0) - 1;
                i++;
            }
            continue;
        }
        cols.push({ name: el.name, leaf, list: true });
        i += 3;
    }
    const names = new Set(cols.map(c => c.name));
    for (const { name, leaf: el, list } of cols) {
        const s = sig(el);
        const row = CONTRACT.find(r => r.sig === s);
        if (!row) {
            problems.push(`column ${name}: ${s} is in no row of the contract`);
            continue;
        }
        if (row.profiles === 'native' && profile !== 'native') {
            problems.push(`column ${name}: ${s} is native-only, the file's profile is ${profile}`);
        }
        if ((el.converted_type ?? null) !== row.ct) {
            problems.push(`column ${name}: converted type ${el.converted_type ?? 'none'} with ${s}, ` +
                `the contract says ${row.ct ?? 'none'}`);
        }
        if (glue) {
            const want = list ? `array<${hiveOf(row, el)}>` : hiveOf(row, el);
            const got = glue.get(name.toLowerCase());
            if (got !== want) {
                problems.push(`column ${name}: Glue type ${got ?? '(missing)'} over ${list ? 'LIST of ' : ''}${s}, ` +
                    `the contract says ${want}`);
            }
        }
    }
    let types = null;
    try {
        types = JSON.parse(kv['weir.source_types']);
    } catch {
        types = null;
    }
    if (!types || typeof types !== 'object' || Array.isArray(types)) {
        problems.push(`footer key weir.source_types is not a JSON object: ${kv['weir.source_types']}`);
    } else {
        for (const [k, v] of Object.entries(types)) {
            if (!names.has(k) || typeof v !== 'string' || v === '') {
                problems.push(`weir.source_types: ${JSON.stringify(k)}: ${JSON.stringify(v)} names no column`);
            }
        }
    }
    return { profile, problems };
}

async function main(argv) {
    let glue = null, assume = null, weirOnly = false, foreign = 0;
    const args = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === '--glue' && i + 1 < argv.length) {
            glue = glueColumns(argv[++i]);
        } else if (argv[i] === '--assume' && i + 1 < argv.length) {
            assume = argv[++i];
        } else if (argv[i] === '--weir-only') {
            weirOnly = true;
        } else {
            args.push(argv[i]);
        }
    }
    const files = expandFiles(args);
    if (files.length === 0) {
        process.stdout.write('# no Parquet file to lint\n');
        return 2;
    }
    let bad = 0;
    for (const f of files) {
        let r;
        try {
            r = await lintFile(f, glue, assume, weirOnly);
        } catch (e) {
            process.stdout.write(`# ${f}: unreadable: ${e.message}\n`);
            return 2;
        }
        for (const p of r.problems) {
            process.stdout.write(`# ${f}: ${p}\n`);
        }
        bad += r.problems.length > 0 ? 1 : 0;
        foreign += r.foreign ? 1 : 0;
    }
    process.stdout.write(`# ${files.length - foreign} file(s) linted, ${bad} with problems` +
                         (foreign ? `, ${foreign} written by another program skipped` : '') + '\n');
    return bad > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
