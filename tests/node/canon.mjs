// The canonical form of a value that every reader of weir's tests agrees on
// (DuckDB, hyparquet and PostgreSQL's own text output), so that rows can be
// compared as plain strings. One JSON object per row, keys in column order:
//   integers      decimal strings (exact for 64-bit values)
//   floats        shortest round-trip decimal of the value at its own width
//                 (a float32 is printed as a float32), "NaN", "Infinity",
//                 "-Infinity", "-0"; exponent form as JavaScript prints it
//   decimals      exact decimal strings with exactly the column's scale
//   strings       as they are; binary as lowercase hex
//   dates         YYYY-MM-DD (astronomical year: 1 BC is 0000)
//   times         HH:MM:SS.ffffff
//   timestamps    YYYY-MM-DDTHH:MM:SS.ffffff, with a trailing Z when the
//                 column is adjusted to UTC (timestamptz); 9 digits for ns
//   uuid          canonical lowercase; JSON text as it is; booleans true/false
//   lists         a JSON array of the elements' canonical forms ([] when
//                 empty, null elements null)
//   NULL          null
// Type names used in schema lines: boolean, int8..int64, uint8..uint64,
// int128, float16, float32, float64, decimal(p,s), string, json, binary,
// uuid, date, time, time_ns, timestamp, timestamptz (and _ms/_ns/_s
// variants for other units), interval, list<...>, other:<name>.

export function pad(n, w) {
    const s = String(n);
    return s.length >= w ? s : '0'.repeat(w - s.length) + s;
}

// Days since 1970-01-01 to [year, month, day] in the proleptic Gregorian calendar.
export function civilFromDays(days) {
    const z = days + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) -
                            Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    return [y, m, d];
}

function fmtYear(y) {
    return y < 0 ? '-' + pad(-y, 4) : pad(y, 4);
}

export function fmtDate(days) {
    const [y, m, d] = civilFromDays(Number(days));
    return `${fmtYear(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

// A time of day from a count of sub-second units (BigInt), `digits` fraction digits.
function fmtTimeOfDay(units, perSecond, digits) {
    const secs = units / perSecond;
    const frac = units % perSecond;
    const h = secs / 3600n, mi = (secs / 60n) % 60n, s = secs % 60n;
    return `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(frac, digits)}`;
}

const UNIT = { us: [1000000n, 6], ns: [1000000000n, 9] };
const TO_US = { s: 1000000n, ms: 1000n };

// Seconds and milliseconds are widened to microseconds: the canonical form
// always has 6 fraction digits (9 for nanoseconds).
function normUnit(value, unit) {
    const v = BigInt(value);
    return TO_US[unit] ? [v * TO_US[unit], 'us'] : [v, unit];
}

export function fmtTime(value, unit = 'us') {
    const [v, u] = normUnit(value, unit);
    const [per, digits] = UNIT[u];
    return fmtTimeOfDay(v, per, digits);
}

export function fmtTimestamp(value, unit = 'us', utc = false) {
    const [v, u] = normUnit(value, unit);
    const [per, digits] = UNIT[u];
    const perDay = per * 86400n;
    let days = v / perDay;
    let rem = v % perDay;
    if (rem < 0n) {
        rem += perDay;
        days -= 1n;
    }
    return `${fmtDate(Number(days))}T${fmtTimeOfDay(rem, per, digits)}${utc ? 'Z' : ''}`;
}

// Shortest decimal that reads back to the same float32.
function shortestFloat32(x) {
    for (let p = 1; p <= 9; p++) {
        const s = x.toPrecision(p);
        if (Math.fround(Number(s)) === x) {
            return String(Number(s));
        }
    }
    return String(x);
}

export function fmtFloat(x, bits = 64) {
    x = Number(x);
    if (Number.isNaN(x)) {
        return 'NaN';
    }
    if (x === Infinity) {
        return 'Infinity';
    }
    if (x === -Infinity) {
        return '-Infinity';
    }
    if (Object.is(x, -0)) {
        return '-0';
    }
    if (bits === 32) {
        return shortestFloat32(Math.fround(x));
    }
    return String(x);
}

// An unscaled integer (BigInt) with `scale` digits after the point.
export function fmtDecimal(unscaled, scale) {
    let v = BigInt(unscaled);
    const neg = v < 0n;
    if (neg) {
        v = -v;
    }
    let s = v.toString();
    if (scale > 0) {
        s = pad(s, scale + 1);
        s = s.slice(0, s.length - scale) + '.' + s.slice(s.length - scale);
    }
    return (neg ? '-' : '') + s;
}

// A decimal given as text ("-12.5", "1e3" is not accepted) brought to `scale`
// digits. Digits that would be lost are kept, so that a value which does not
// fit the scale shows up as a difference rather than being rounded away.
export function decimalTextToScale(text, scale) {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (!m) {
        return text; // NaN, Infinity: no decimal form
    }
    let [, sign, ip, fp = ''] = m;
    ip = ip.replace(/^0+/, '') || '0';
    if (fp.length < scale) {
        fp = fp + '0'.repeat(scale - fp.length);
    } else if (fp.length > scale) {
        const extra = fp.slice(scale).replace(/0+$/, '');
        fp = fp.slice(0, scale) + extra;
    }
    const zero = /^0*$/.test(ip + fp);
    return (sign === '-' && !zero ? '-' : '') + ip + (fp.length ? '.' + fp : '');
}

export function hex(bytes) {
    let s = '';
    for (const b of bytes) {
        s += (b < 16 ? '0' : '') + b.toString(16);
    }
    return s;
}

export function fmtUuid(bytesOrString) {
    if (typeof bytesOrString === 'string') {
        return bytesOrString.toLowerCase();
    }
    const h = hex(bytesOrString);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// Two's complement big-endian bytes to BigInt (Parquet DECIMAL in byte arrays).
export function bigintFromBytes(bytes) {
    if (!bytes.length) {
        return 0n;
    }
    let v = 0n;
    for (const b of bytes) {
        v = (v << 8n) | BigInt(b);
    }
    if (bytes[0] & 0x80) {
        v -= 1n << BigInt(bytes.length * 8);
    }
    return v;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(bytes) {
    try {
        return utf8.decode(bytes);
    } catch {
        return `!invalid-utf8:${hex(bytes)}`;
    }
}

export function decimalType(type) {
    const m = /^decimal\((\d+),(\d+)\)$/.exec(type);
    return m ? { precision: Number(m[1]), scale: Number(m[2]) } : null;
}

export function isIntegerType(type) {
    return /^u?int(8|16|32|64|128)$/.test(type);
}

// PostgreSQL text output (DateStyle ISO, TimeZone UTC, bytea_output hex,
// IntervalStyle postgres, extra_float_digits 1) of a value of PostgreSQL type
// `pgType` (typname, e.g. int4, numeric, timestamptz) to the canonical form.
// `lakeType`, when given, is the canonical type the lake holds for the column:
// its decimal scale wins over the column's own (numeric without typmod).
export function fromPgText(text, pgType, typmod = -1, lakeType = null) {
    if (text === null || text === undefined) {
        return null;
    }
    switch (pgType) {
    case 'bool':
        return text === 't' || text === 'true';
    case 'int2': case 'int4': case 'int8': case 'oid': case 'xid':
        return BigInt(text).toString();
    case 'float4':
        return fmtFloat(pgFloat(text), 32);
    case 'float8':
        return fmtFloat(pgFloat(text), 64);
    case 'numeric': {
        const d = lakeType ? decimalType(lakeType) : null;
        let scale = d ? d.scale : (typmod >= 4 ? (typmod - 4) & 0xffff : null);
        if (scale === null) {
            return text;
        }
        return decimalTextToScale(text, scale);
    }
    case 'bytea':
        return text.startsWith('\\x') ? text.slice(2) : text;
    case 'date':
        return pgDate(text);
    case 'time':
        // weir's compat profile writes a time as int64 microseconds since midnight
        return lakeType && isIntegerType(lakeType) ? pgTimeMicros(text) : pgTime(text);
    case 'timestamp':
        return pgTimestamp(text, false);
    case 'timestamptz':
        return pgTimestamp(text, true);
    case 'uuid':
        return text.toLowerCase();
    default:
        return text;
    }
}

// A PostgreSQL array given as the JSON array of its elements' text output
// (null for NULL elements) to the canonical list; `lakeType` is the lake's
// list<...> type, whose element type decides as in fromPgText.
export function fromPgList(items, elemType, typmod = -1, lakeType = null) {
    if (items === null || items === undefined) {
        return null;
    }
    const m = lakeType ? /^list<(.*)>$/.exec(lakeType) : null;
    return items.map(x => fromPgText(x, elemType, typmod, m ? m[1] : null));
}

function pgFloat(text) {
    switch (text) {
    case 'NaN': return NaN;
    case 'Infinity': return Infinity;
    case '-Infinity': return -Infinity;
    default: return Number(text);
    }
}

function bcYear(y, bc) {
    return bc ? fmtYear(1 - y) : fmtYear(y);
}

function pgDate(text) {
    const m = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/.exec(text);
    if (!m) {
        return text; // infinity, -infinity
    }
    return `${bcYear(Number(m[1]), !!m[4])}-${m[2]}-${m[3]}`;
}

function pgFraction(f) {
    return ((f || '').replace(/^\./, '') + '000000').slice(0, 6);
}

function pgTime(text) {
    const m = /^(\d\d):(\d\d):(\d\d)(\.\d+)?$/.exec(text);
    return m ? `${m[1]}:${m[2]}:${m[3]}.${pgFraction(m[4])}` : text;
}

function pgTimeMicros(text) {
    const m = /^(\d\d):(\d\d):(\d\d)(\.\d+)?$/.exec(text);
    if (!m) {
        return text;
    }
    const secs = BigInt(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]));
    return (secs * 1000000n + BigInt(pgFraction(m[4]))).toString();
}

function pgTimestamp(text, tz) {
    const m = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?(\+00)?( BC)?$/.exec(text);
    if (!m) {
        return text; // infinity, -infinity
    }
    const y = bcYear(Number(m[1]), !!m[9]);
    return `${y}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${pgFraction(m[7])}${tz ? 'Z' : ''}`;
}

// The canonical type a PostgreSQL column would naturally have in the lake.
export function pgCanonicalType(typname, typmod, category) {
    switch (typname) {
    case 'bool': return 'boolean';
    case 'int2': return 'int16';
    case 'int4': return 'int32';
    case 'int8': return 'int64';
    case 'float4': return 'float32';
    case 'float8': return 'float64';
    case 'numeric':
        return typmod >= 4 ? `decimal(${(typmod - 4) >> 16},${(typmod - 4) & 0xffff})` : 'numeric';
    case 'text': case 'varchar': case 'bpchar': case 'name': return 'string';
    case 'bytea': return 'binary';
    case 'date': case 'time': case 'timestamp': case 'timestamptz': case 'uuid': case 'interval':
        return typname;
    case 'json': case 'jsonb': return 'json';
    default:
        return category === 'A' ? `list<${pgCanonicalType(typname.replace(/^_/, ''), typmod, '')}>`
            : `other:${typname}`;
    }
}

// Orders canonical rows by the given key columns: integers numerically,
// everything else by code units.
export function rowComparator(keys, types) {
    return (a, b) => {
        for (const k of keys) {
            const x = a[k], y = b[k];
            if (x === y) {
                continue;
            }
            if (x === null || x === undefined) {
                return -1;
            }
            if (y === null || y === undefined) {
                return 1;
            }
            if (isIntegerType(types[k] || '')) {
                const bx = BigInt(x), by = BigInt(y);
                if (bx !== by) {
                    return bx < by ? -1 : 1;
                }
                continue;
            }
            const sx = String(x), sy = String(y);
            if (sx !== sy) {
                return sx < sy ? -1 : 1;
            }
        }
        return 0;
    };
}

