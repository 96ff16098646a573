/* fhops_rows.h: row kernels (a row is dimension 0; one 256-thread block
 * per row, grid-stride over rows): the row's (i1, i2, i3) and the block's
 * tree reductions in shared memory. */
#ifndef FHOPS_ROWS_H_
#define FHOPS_ROWS_H_

#define FHOPS_ROW_THREADS 256u

/* Row r of a view of ne1 x ne2 rows per i3. */
#define FHOPS_ROW_INDICES(T, R)                                                                                  \
    uint32_t i1 = (R) % (T).ne1;                                                                                 \
    uint32_t i2 = ((R) / (T).ne1) % (T).ne2;                                                                     \
    uint32_t i3 = (R) / ((T).ne1 * (T).ne2)

/* Reduces fhops_partial[0..256) into fhops_partial[0] with OP(a, b);
 * uniform across the block (every thread runs it). */
#define FHOPS_BLOCK_REDUCE(OP)                                                                                   \
    fh_barrier();                                                                                                \
    for (uint32_t s = FHOPS_ROW_THREADS / 2u; s > 0u; s >>= 1u) {                                                \
        if (threadIdx.x < s) fhops_partial[threadIdx.x] = OP(fhops_partial[threadIdx.x], fhops_partial[threadIdx.x + s]); \
        fh_barrier();                                                                                            \
    }

#define FHOPS_OP_ADD(a, b) ((a) + (b))

#endif
