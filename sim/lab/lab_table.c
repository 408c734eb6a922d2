/* lab_table.c - the registry of labs and the student-id seed (lab.h).
 * A new lab is one file (labN_<topic>.c) defining an ab_lab and one line
 * in the table below. */
#include <string.h>

#include "lab/lab.h"
#include "lab/lab_impl.h"

static const ab_lab *const lab_table[] = {&ab_lab1_formats, &ab_lab2_pe, &ab_lab3_btc,
                                           &ab_lab4_roofline, &ab_lab5_dse, &ab_lab6_fpga};

size_t ab_lab_count(void)
{
    return sizeof lab_table / sizeof lab_table[0];
}

const ab_lab *ab_lab_at(size_t i)
{
    return i < ab_lab_count() ? lab_table[i] : NULL;
}

const ab_lab *ab_lab_find(uint32_t number)
{
    for (size_t i = 0; i < ab_lab_count(); i++)
        if (lab_table[i]->number == number)
            return lab_table[i];
    return NULL;
}

uint64_t ab_lab_student_seed(const char *student)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)student; *p; p++) {
        h ^= *p;
        h *= 1099511628211u;
    }
    return (h ^ (h >> 48)) & AB_LAB_SEED_MAX;
}

int ab_lab_check_student(const char *student, ab_error *err)
{
    const size_t n = strlen(student);
    if (n == 0 || n >= AB_LAB_STUDENT_MAX)
        return ab_error_set(err, "student id: expected 1 to %d characters, found %zu",
                            AB_LAB_STUDENT_MAX - 1, n);
    for (size_t i = 0; i < n; i++) {
        const char c = student[i];
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || strchr("._@+-", c) != NULL;
        if (!ok)
            return ab_error_set(err, "student id '%.63s': character %zu ('%c') is not one of "
                                "A-Z a-z 0-9 . _ @ + -", student, i + 1,
                                (c >= 0x20 && c < 0x7f) ? c : '?');
    }
    return 0;
}
