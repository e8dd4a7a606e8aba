/* stubs_h6.c: placeholder until h6 lands type_score.c and type_lifecycle.c (delete this file). */
#include "models/mtype.h"
static void *stub_parse(const sl_mtype_parse *p, struct fy_node *root)
{
    (void)root;
    sl_diags_add(p->d, (sl_loc){p->file, 1, 1}, "score models are not built yet");
    return NULL;
}
static int stub_build(const sl_mtype_build *b, sl_mat_result *res, sl_error *err)
{
    return sl_error_set(err, SL_EINTERNAL, "score models are not built yet");
}
static void stub_free(void *spec) { (void)spec; }
const sl_mtype sl_mtype_score = {"score", "score resolution (not built yet)", stub_parse, stub_build, stub_free};
static void *stub2_parse(const sl_mtype_parse *p, struct fy_node *root)
{
    (void)root;
    sl_diags_add(p->d, (sl_loc){p->file, 1, 1}, "lifecycle models are not built yet");
    return NULL;
}
static int stub2_build(const sl_mtype_build *b, sl_mat_result *res, sl_error *err)
{
    return sl_error_set(err, SL_EINTERNAL, "lifecycle models are not built yet");
}
static void stub2_free(void *spec) { (void)spec; }
const sl_mtype sl_mtype_lifecycle = {"lifecycle", "lifecycle resolution (not built yet)", stub2_parse, stub2_build, stub2_free};
