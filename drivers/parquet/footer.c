/* FileMetaData; see footer.h. */
#include "parquet/footer.h"

#include <string.h>

#include "parquet/thrift.h"

static void logical_type(struct weir_pq_tw *w, const struct weir_pq_coltype *t)
{
    if (t->logical == WEIR_PQ_LT_NONE) {
        return;
    }
    weir_pq_tw_struct_begin(w, 10);
    switch (t->logical) {
    case WEIR_PQ_LT_STRING:
        weir_pq_tw_field_empty(w, 1);
        break;
    case WEIR_PQ_LT_DECIMAL:
        weir_pq_tw_struct_begin(w, 5);
        weir_pq_tw_field_i32(w, 1, t->scale);
        weir_pq_tw_field_i32(w, 2, t->precision);
        weir_pq_tw_struct_end(w);
        break;
    case WEIR_PQ_LT_DATE:
        weir_pq_tw_field_empty(w, 6);
        break;
    case WEIR_PQ_LT_TIME:
    case WEIR_PQ_LT_TIMESTAMP:
        weir_pq_tw_struct_begin(w, t->logical == WEIR_PQ_LT_TIME ? 7 : 8);
        weir_pq_tw_field_bool(w, 1, t->utc);
        weir_pq_tw_struct_begin(w, 2); /* TimeUnit union: 1 MILLIS, 2 MICROS */
        weir_pq_tw_field_empty(w, t->millis ? 1 : 2);
        weir_pq_tw_struct_end(w);
        weir_pq_tw_struct_end(w);
        break;
    case WEIR_PQ_LT_INT:
        weir_pq_tw_struct_begin(w, 10);
        weir_pq_tw_field_i8(w, 1, (int8_t)t->int_bits);
        weir_pq_tw_field_bool(w, 2, t->int_signed);
        weir_pq_tw_struct_end(w);
        break;
    case WEIR_PQ_LT_JSON:
        weir_pq_tw_field_empty(w, 12);
        break;
    case WEIR_PQ_LT_UUID:
        weir_pq_tw_field_empty(w, 14);
        break;
    default:
        break;
    }
    weir_pq_tw_struct_end(w);
}

/* The two group nodes above a list column's leaf (LogicalTypes.md, Lists):
 * optional group <name> (LIST) { repeated group list { <leaf "element"> } }. */
static void list_groups(struct weir_pq_tw *w, const char *name)
{
    weir_pq_tw_elem_struct_begin(w);
    weir_pq_tw_field_i32(w, 3, 1); /* OPTIONAL */
    weir_pq_tw_field_string(w, 4, name);
    weir_pq_tw_field_i32(w, 5, 1);
    weir_pq_tw_field_i32(w, 6, 3); /* ConvertedType LIST */
    weir_pq_tw_struct_begin(w, 10);
    weir_pq_tw_field_empty(w, 3); /* LogicalType LIST */
    weir_pq_tw_struct_end(w);
    weir_pq_tw_struct_end(w);
    weir_pq_tw_elem_struct_begin(w);
    weir_pq_tw_field_i32(w, 3, 2); /* REPEATED */
    weir_pq_tw_field_string(w, 4, "list");
    weir_pq_tw_field_i32(w, 5, 1);
    weir_pq_tw_struct_end(w);
}

static void schema(struct weir_pq_tw *w, const struct weir_pq_footer *f)
{
    size_t n_nodes = f->n_cols + 1;
    for (size_t i = 0; i < f->n_cols; i++) {
        n_nodes += f->cols[i].type.list ? 2 : 0;
    }
    weir_pq_tw_list_begin(w, 2, WEIR_PQ_T_STRUCT, n_nodes);
    weir_pq_tw_elem_struct_begin(w);
    weir_pq_tw_field_string(w, 4, "schema");
    weir_pq_tw_field_i32(w, 5, (int32_t)f->n_cols);
    weir_pq_tw_struct_end(w);
    for (size_t i = 0; i < f->n_cols; i++) {
        const struct weir_pq_coltype *t = &f->cols[i].type;
        if (t->list) {
            list_groups(w, f->cols[i].name);
        }
        weir_pq_tw_elem_struct_begin(w);
        weir_pq_tw_field_i32(w, 1, t->phys);
        if (t->phys == WEIR_PQ_FLBA) {
            weir_pq_tw_field_i32(w, 2, t->type_length);
        }
        weir_pq_tw_field_i32(w, 3, 1); /* OPTIONAL */
        weir_pq_tw_field_string(w, 4, t->list ? "element" : f->cols[i].name);
        if (t->converted != WEIR_PQ_CT_NONE) {
            weir_pq_tw_field_i32(w, 6, t->converted);
        }
        if (t->logical == WEIR_PQ_LT_DECIMAL) {
            weir_pq_tw_field_i32(w, 7, t->scale);
            weir_pq_tw_field_i32(w, 8, t->precision);
        }
        logical_type(w, t);
        weir_pq_tw_struct_end(w);
    }
}

static void row_groups(struct weir_pq_tw *w, const struct weir_pq_footer *f)
{
    weir_pq_tw_list_begin(w, 4, WEIR_PQ_T_STRUCT, f->n_rgs);
    for (size_t g = 0; g < f->n_rgs; g++) {
        const struct weir_pq_rowgroup *rg = &f->rgs[g];
        int64_t unc = 0, comp = 0;
        weir_pq_tw_elem_struct_begin(w);
        weir_pq_tw_list_begin(w, 1, WEIR_PQ_T_STRUCT, f->n_cols);
        for (size_t i = 0; i < f->n_cols; i++) {
            const struct weir_pq_chunk_out *co = &rg->chunks[i];
            unc += co->uncompressed;
            comp += co->compressed;
            weir_pq_tw_elem_struct_begin(w);
            /* file_offset: 0, no ColumnMetaData is written outside the footer. */
            weir_pq_tw_field_i64(w, 2, 0);
            weir_pq_tw_field_struct_raw(w, 3, co->meta.data, co->meta.len);
            if (co->oi_offset != 0) {
                weir_pq_tw_field_i64(w, 4, (int64_t)co->oi_offset);
                weir_pq_tw_field_i32(w, 5, (int32_t)co->off_index.len);
            }
            if (co->ci_offset != 0) {
                weir_pq_tw_field_i64(w, 6, (int64_t)co->ci_offset);
                weir_pq_tw_field_i32(w, 7, (int32_t)co->col_index.len);
            }
            weir_pq_tw_struct_end(w);
        }
        weir_pq_tw_field_i64(w, 2, unc);
        weir_pq_tw_field_i64(w, 3, rg->num_rows);
        weir_pq_tw_field_i64(w, 5, f->n_cols > 0 ? (int64_t)rg->chunks[0].start : 0);
        weir_pq_tw_field_i64(w, 6, comp);
        weir_pq_tw_field_i16(w, 7, (int16_t)(g <= INT16_MAX ? g : INT16_MAX));
        weir_pq_tw_struct_end(w);
    }
}

int weir_pq_footer_write(const struct weir_pq_footer *f, struct weir_pq_buf *out,
                         struct weir_error *err)
{
    struct weir_pq_tw w;
    weir_pq_tw_init(&w, out);
    /* parquet.thrift recommends version 1 for the widest reader support. */
    weir_pq_tw_field_i32(&w, 1, 1);
    schema(&w, f);
    int64_t rows = 0;
    for (size_t g = 0; g < f->n_rgs; g++) {
        rows += f->rgs[g].num_rows;
    }
    weir_pq_tw_field_i64(&w, 3, rows);
    row_groups(&w, f);
    if (f->n_kv > 0) {
        weir_pq_tw_list_begin(&w, 5, WEIR_PQ_T_STRUCT, f->n_kv);
        for (size_t i = 0; i < f->n_kv; i++) {
            weir_pq_tw_elem_struct_begin(&w);
            weir_pq_tw_field_string(&w, 1, f->kv[i].key);
            weir_pq_tw_field_string(&w, 2, f->kv[i].value);
            weir_pq_tw_struct_end(&w);
        }
    }
    weir_pq_tw_field_string(&w, 6, f->created_by);
    /* TYPE_ORDER for every column: min_value/max_value follow the logical
     * type's order, which is what the statistics module computes. */
    weir_pq_tw_list_begin(&w, 7, WEIR_PQ_T_STRUCT, f->n_cols);
    for (size_t i = 0; i < f->n_cols; i++) {
        weir_pq_tw_elem_struct_begin(&w);
        weir_pq_tw_field_empty(&w, 1);
        weir_pq_tw_struct_end(&w);
    }
    weir_pq_tw_struct_end(&w);
    if (!weir_pq_tw_ok(&w)) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory writing the parquet footer");
    }
    return WEIR_OK;
}
