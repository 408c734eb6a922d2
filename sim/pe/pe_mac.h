/* pe_mac.h - the timing functions the bit-parallel MAC PEs share. */
#ifndef AB_PE_MAC_H
#define AB_PE_MAC_H

#include "pe_impl.h"

uint64_t ab_pe_mac_cycles(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w);
void ab_pe_mac_step_begin(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w,
                          ab_pe_stepper *s);
bool ab_pe_mac_step(const ab_accel *a, const ab_pe_op *po, ab_pe_stepper *s);
void ab_pe_mac_events(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w,
                      ab_pe_events *ev);

/* A plain integer format of at most max_bits bits. */
bool ab_pe_mac_int_format(const ab_format *f, unsigned max_bits);

#define AB_PE_MAC_MODEL(KIND, PREPARE)                                                           \
    {                                                                                            \
        .kind = (KIND), .prepare = (PREPARE), .cycles = ab_pe_mac_cycles,                        \
        .step_begin = ab_pe_mac_step_begin, .step = ab_pe_mac_step, .events = ab_pe_mac_events,  \
    }

#endif
