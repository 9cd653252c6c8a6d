/* `vigil receipt verify FILE`: checks a case receipt's Ed25519 signature
 * offline, with the public key given (--key, from GET /api/v1/keys) or read
 * from a data directory (--data). FILE holds the receipt object or the whole
 * 201 response of the submission. */
#include "cli/cli.h"
#include "core/config.h"
#include "core/util.h"
#include "service/service.h"

#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int public_key(const struct vg_config *cfg, unsigned char pk[32])
{
    if (cfg->key[0]) {
        size_t n = 0;
        if (sodium_base642bin(pk, 32, cfg->key, strlen(cfg->key), NULL, &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            n != 32) {
            fprintf(stderr, "vigil receipt verify: --key: not a base64 Ed25519 public key\n");
            return -1;
        }
        return 0;
    }
    char path[600];
    unsigned char sk[64];
    snprintf(path, sizeof(path), "%s/signing.key", cfg->data);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t r = fd >= 0 ? read(fd, sk, sizeof(sk)) : -1;
    if (fd >= 0)
        close(fd);
    if (r != 64) {
        fprintf(stderr, "vigil receipt verify: cannot read %s (give --key)\n", path);
        return -1;
    }
    crypto_sign_ed25519_sk_to_pk(pk, sk);
    sodium_memzero(sk, sizeof(sk));
    return 0;
}

int vg_cli_receipt(int argc, char **argv)
{
    struct vg_config cfg;
    struct vg_err err = {0};
    unsigned char pk[32];
    char *pos[2];
    int np = 0, help = 0, rc;
    if (vg_config_load(&cfg, VG_CMD_RECEIPT, argc, argv, pos, 2, &np, &help, &err) != VG_OK) {
        fprintf(stderr, "vigil receipt: %s\n", err.msg);
        return 2;
    }
    if (help || np != 2 || strcmp(pos[0], "verify") != 0) {
        vg_config_usage(help ? stdout : stderr, "vigil receipt verify FILE [--key BASE64 | --data DIR]",
                        VG_CMD_RECEIPT);
        return help ? 0 : 2;
    }
    if (sodium_init() < 0 || public_key(&cfg, pk) != 0)
        return 2;
    char *text = vg_cli_slurp(pos[1], 16u << 20, NULL);
    if (text == NULL)
        return 2;
    json_error_t je;
    json_t *j = json_loads(text, 0, &je), *r;
    free(text);
    if (j == NULL) {
        fprintf(stderr, "vigil receipt verify: %s: not JSON (%s)\n", pos[1], je.text);
        return 2;
    }
    r = json_object_get(j, "receipt") ? json_object_get(j, "receipt") : j;
    rc = vg_receipt_verify(r, pk, &err);
    if (rc == VG_OK)
        printf("ok receipt for %s received %s (sha256 %s)\n",
               json_string_value(json_object_get(r, "case_id")),
               json_string_value(json_object_get(r, "received_at")),
               json_string_value(json_object_get(r, "sha256")));
    else
        printf("invalid: %s\n", err.msg);
    json_decref(j);
    return rc == VG_OK ? 0 : 1;
}
