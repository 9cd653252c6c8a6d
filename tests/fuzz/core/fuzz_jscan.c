/* libFuzzer driver for core/jscan: on any input jscan and vg_json_parse
 * (jansson) agree on accept/reject, a rejection carries VG_EJSON, a message
 * and an offset inside the input, and an accepted input decodes to the same
 * document in both; and reading it a piece at a time (vg_jscan_top over
 * "objects", then vg_jscan_parse_span of each span) agrees with the whole
 * parse: the same document, or the same first error, message and offset
 * (tests/unit/core/jscan_agree.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../unit/core/jscan_agree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = jscan_agree((const char *)data, size, NULL);
    if (why == NULL)
        why = jscan_spans_agree((const char *)data, size, "objects", NULL);
    if (why) {
        fprintf(stderr, "jscan: %s\n", why);
        abort();
    }
    return 0;
}
