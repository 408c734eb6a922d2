/* fuzz_yaml_accel.c - libFuzzer target for the accelerator loader
 * (ab_accel_load, configs/<name>.yaml, docs/configs.md).  The loader reads a
 * file (its messages name it), so the input is written to a scratch file.
 * A config the loader accepts must then be usable the way `anybit run`
 * uses it: it validates again, its energy and area are finite, and one
 * small GEMM under the config's own recipe either simulates in fast mode
 * with consistent totals or is refused with a message; when the op is
 * short enough, cycle mode must give the same cycle count (the rule of
 * docs/design.md "Two timing modes that must agree"). */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "accel/accel.h"
#include "fuzz_accel_check.h"
#include "fuzz_scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[96];
    fuzz_scratch_path(path, sizeof path, "accel", ".yaml");
    if (fuzz_write_file(path, data, size) != 0)
        return 0;
    ab_accel a;
    ab_error err;
    memset(&err, 0, sizeof err);
    const int rc = ab_accel_load(path, &a, &err);
    unlink(path);
    if (rc != 0) {
        if (!err.msg[0])
            abort(); /* a refusal always says why */
        return 0;
    }
    fuzz_check_accepted_accel(&a);
    return 0;
}
