/* libFuzzer driver for request-body intake: strict JSON parsing, the typed
 * field getters and RFC 3339 times, as the handlers use them. Invariants: no
 * crash, an error always carries a code and a message, and a parsed time
 * formats and re-parses to the same instant. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"name", "kind", "until", "n", "flag", NULL};
    static const char *const kinds[] = {"member", "vendor", NULL};
    struct vg_err e = {0};
    json_t *v = NULL;
    int rc = vg_json_parse((const char *)data, size, &v, &e);
    if (rc) {
        if (e.code == 0 || e.msg[0] == '\0')
            abort();
        return 0;
    }
    if (json_is_object(v)) {
        const char *s = NULL;
        int64_t i = 0, t = 0;
        int b = 0, k = 0;
        vg_err_clear(&e);
        vg_json_only(v, keys, "x", &e);
        vg_err_clear(&e);
        vg_json_str(v, "name", 1, 100, &s, &e);
        vg_err_clear(&e);
        vg_json_enum(v, "kind", 0, kinds, &k, &e);
        vg_err_clear(&e);
        vg_json_int(v, "n", 0, -5, 5, &i, &e);
        vg_err_clear(&e);
        vg_json_bool(v, "flag", 0, &b, &e);
        vg_err_clear(&e);
        if (vg_json_time(v, "until", 0, &t, &e) == VG_OK && t != 0) {
            char out[32];
            int64_t t2;
            vg_time_format(t, out);
            if (t >= 0 && t < 253402300800000LL && (vg_time_parse(out, &t2) != 0 || t2 != t))
                abort();
        }
    }
    free(vg_json_canonical(v, NULL));
    json_decref(v);
    return 0;
}
