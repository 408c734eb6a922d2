/* quant_mx.c - OCP Microscaling (MX v1.0, section 6.3) block quantization
 * for formats with a block size (mxfp4, mxfp6_e2m3, mxfp6_e3m2, mxfp8_e4m3,
 * mxfp8_e5m2, mxint8).
 *
 * Per block of 32 consecutive values of a row:
 *   shared_exp = floor(log2(amax)) - emax_elem, clamped to [-127, 127]
 *   X = 2^shared_exp (E8M0 code shared_exp + 127)
 *   P_i = quantize_to_element(V_i / X), clamped to the element's largest
 *         normal magnitude (the spec's "clamping normal numbers"), which
 *         also keeps FP8 E5M2 from rounding to inf
 * An all-zero block (amax = 0, log2 = -inf) clamps to shared_exp = -127,
 * E8M0 code 0, with every element code encode(0).
 *
 * The spec's granularity and scale fields do not apply: MX always uses its
 * block and E8M0 (quant.h; the CLI documents the same).
 */
#include <math.h>

#include "quant_impl.h"

int ab_quant_mx(ab_qjob *job, ab_error *err)
{
    (void)err; /* nothing here can fail once quant.c has validated */
    const ab_qlayout *l = &job->lay;
    ab_quant_result *res = job->res;
    const ab_format *fmt = &res->candidates[0];
    const size_t block = l->unit_len;
    for (size_t u = 0; u < l->nunits; u++) {
        const size_t off = u * block;
        const double amax = ab_q_absmax(job->x + off, block);
        int shared = -127;
        if (amax > 0.0) {
            int e;
            (void)frexp(amax, &e); /* amax = m 2^e, m in [0.5, 1): floor(log2) = e - 1 */
            shared = e - 1 - fmt->elem_emax;
            if (shared < -127)
                shared = -127;
            if (shared > 127)
                shared = 127;
        }
        const double X = ldexp(1.0, shared);
        ab_quant_encode_run(fmt, job->simd, job->x + off, block, X, res->codes + off,
                            res->dequant + off);
        /* blocks never straddle rows, so unit u is slot u */
        res->scales[u] = (float)X; /* 2^-127 is a float subnormal: exact */
        res->scale_codes[u] = (uint32_t)(shared + 127);
        res->type_ids[u] = 0;
    }
    return 0;
}
