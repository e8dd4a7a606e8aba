/* stubs_h5.c: placeholder until h5 lands type_attribution.c (delete this file). */
#include "models/mtype.h"
static void *stub_parse(const sl_mtype_parse *p, struct fy_node *root)
{
    (void)root;
    sl_diags_add(p->d, (sl_loc){p->file, 1, 1}, "attribution models are not built yet");
    return NULL;
}
static int stub_build(const sl_mtype_build *b, sl_mat_result *res, sl_error *err)
{
    return sl_error_set(err, SL_EINTERNAL, "attribution models are not built yet");
}
static void stub_free(void *spec) { (void)spec; }
const sl_mtype sl_mtype_attribution = {"attribution", "attribution resolution (not built yet)", stub_parse, stub_build, stub_free};
