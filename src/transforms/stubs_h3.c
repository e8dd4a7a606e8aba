/* stubs_h3.c: placeholders until h3 lands lookup.c and aggregate.c (delete this file). */
#include "engine/component.h"
static const sl_option none[] = {SL_OPT_END};
static int stub_check(sl_instance *in, sl_diags *d)
{
    sl_diags_add(d, (sl_loc){NULL, 0, 0}, "this transform is not built yet");
    return 1;
}
const sl_transform_plugin sl_transform_lookup = {SL_PLUGIN_VERSION, "lookup", "(not built yet)", none, 8, stub_check};
const sl_transform_plugin sl_transform_aggregate = {SL_PLUGIN_VERSION, "aggregate", "(not built yet)", none, 8,
                                                    stub_check};
