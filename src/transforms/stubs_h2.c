/* stubs_h2.c: placeholders until h3 lands normalize.c (delete this file). */
#include "engine/component.h"
static const sl_option none[] = {SL_OPT_END};
static int stub_check(sl_instance *in, sl_diags *d)
{
    sl_diags_add(d, (sl_loc){NULL, 0, 0}, "this transform is not built yet");
    return 1;
}
const sl_transform_plugin sl_transform_normalize = {SL_PLUGIN_VERSION, "normalize", "(not built yet)", none, 8, stub_check};
