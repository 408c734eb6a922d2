/* fuzz_yaml_accel.c - libFuzzer target for the accelerator loader
 * (ab_accel_load, configs/<name>.yaml, docs/configs.md).  The loader reads a
 * file (its messages name it), so the input is written to a scratch file.
 * A config the loader accepts must then be usable the way `anybit run`
 * uses it: it validates again, its energy and area are finite, and one
 * small GEMM under the config's own recipe either simulates in fast mode
 * with consistent totals or is refused with a message; when the op is
 * short enough, cycle mode must give the same cycle count (the rule of
 * docs/design.md "Two timing modes that must agree"). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_accel_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_load_accel(data, size, "accel", ".yaml");
}
