/* rtl_synth.h - `anybit synth`: Yosys cell and transistor counts of the PE tops
 * in rtl/, and reading them back as PE areas (area_source: yosys in an
 * accelerator config).  docs/rtl.md "Synthesis" describes the flow, the
 * JSON and what the numbers mean.
 */
#ifndef AB_RTL_SYNTH_H
#define AB_RTL_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "accel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Area per transistor of Yosys' `stat -tech cmos` count at 28 nm: an
 * assumption (docs/rtl.md "Synthesis"): a 28 nm NAND2 X1 of about 0.4 um^2
 * over its 4 transistors. */
#define AB_SYNTH_UM2_PER_TRANSISTOR_28NM 0.1

/* One top the synth table knows: its module, the PE kind it implements
 * (an array: of its PEs), its file in rtl/, the file-name prefix of its
 * helper modules' files (NULL: none; "*": every .v file of the directory
 * that is no table top's), and Yosys commands run after reading (a
 * parameter choice), or NULL.  Only the files a top needs are read: extra
 * modules, even unused, change Yosys' internal names and so ABC's result
 * by a few percent. */
typedef struct ab_synth_top {
    const char *top;
    ab_pe_kind kind;
    const char *file;
    const char *helpers;
    const char *setup; /* a printf format: an array's takes rows, cols (unsigned), then
                          lanes if `lanes`; a PE's takes lanes if `lanes` */
    bool by_default;   /* synthesized without --top (false: minutes of Yosys, on request) */
    const char *also;  /* another table top's file it instantiates (array: its PE), or NULL */
    bool array;        /* an R x C array of PEs, not a PE (never a config's PE area) */
    bool lanes;        /* takes pe_bitmod's LANES (--lanes) */
} ab_synth_top;

/* The table (pe_bitmod, mac_fp16, mac_int8, pe_btc, array_bitmod); *n its
 * length. */
const ab_synth_top *ab_synth_tops(size_t *n);
/* The entry of module `top` or of PE kind k; NULL if none. */
const ab_synth_top *ab_synth_find(const char *top);
const ab_synth_top *ab_synth_for_kind(ab_pe_kind k); /* PEs only, never an array */

#define AB_SYNTH_MAX_TYPES 48

/* What Yosys reported for one top. */
typedef struct ab_synth_result {
    const ab_synth_top *top;
    uint64_t cells, flip_flops, transistors;
    size_t ntypes;
    char type_name[AB_SYNTH_MAX_TYPES][32];
    uint64_t type_count[AB_SYNTH_MAX_TYPES];
    double area_um2; /* transistors x AB_SYNTH_UM2_PER_TRANSISTOR_28NM */
    double seconds;  /* wall time of its Yosys run */
    char setup[256]; /* the parameter commands run ("" for none) */
    unsigned rows, cols; /* array: its size; 0 for a PE */
    unsigned lanes;      /* tops with LANES: the value synthesized; 0 otherwise */
} ab_synth_result;

/* The array's default size in `anybit synth`: 2 x 2 PEs with 16-step /
 * 4-group buffers (Yosys maps the buffers to flip-flops: ~20 s); 4 x 4
 * takes ~75 s on a 2-core machine (docs/rtl.md "Synthesis"). */
#define AB_SYNTH_ARRAY_ROWS 2
#define AB_SYNTH_ARRAY_COLS 2

typedef struct ab_synth_opts {
    const char *rtl_dir; /* directory of the .v files */
    const char *yosys;   /* program name or path ("yosys") */
    unsigned array_rows, array_cols; /* array tops' size (0: the defaults above) */
    unsigned lanes;                  /* LANES of the tops that take it (0: 4) */
} ab_synth_opts;

/* Synthesize tops[0..n) (one Yosys process each, run concurrently) into
 * res[0..n).  Fails (message naming the top and Yosys' error line) if Yosys
 * cannot be started or any top fails. */
int ab_synth_run(const ab_synth_opts *o, const ab_synth_top *const *tops, size_t n,
                 ab_synth_result *res, char *version, size_t vcap, ab_error *err);

/* Write the JSON (docs/rtl.md "Synthesis") atomically to path. */
int ab_synth_write_json(const char *path, const char *version, const ab_synth_result *res,
                        size_t n, ab_error *err);

/* The area_um2_estimate of module `top` in a synth JSON file (28 nm, no
 * place-and-route factor).  lanes != 0: the top must have been synthesized
 * with that LANES (its "lanes" field; absent means 4).  Errors name the
 * file and what is missing or different. */
int ab_synth_json_area(const char *path, const char *top, unsigned lanes, double *um2,
                       ab_error *err);

/* Does rtl_dir hold this top's file? */
bool ab_synth_top_present(const char *rtl_dir, const ab_synth_top *t);

#ifdef __cplusplus
}
#endif

#endif
