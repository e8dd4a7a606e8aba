/* stubs_h4.c: placeholder until h4 lands type_identity.c (delete this file). */
#include "models/mtype.h"
static void *stub_parse(const sl_mtype_parse *p, struct fy_node *root)
{
    (void)root;
    sl_diags_add(p->d, (sl_loc){p->file, 1, 1}, "identity models are not built yet");
    return NULL;
}
static int stub_build(const sl_mtype_build *b, sl_mat_result *res, sl_error *err)
{
    return sl_error_set(err, SL_EINTERNAL, "identity models are not built yet");
}
static void stub_free(void *spec) { (void)spec; }
const sl_mtype sl_mtype_identity = {"identity", "identity resolution (not built yet)", stub_parse, stub_build, stub_free};
