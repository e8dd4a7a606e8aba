/* stubs_h6.c: placeholders for monitors/NAME.yml tables (h6 replaces this file). */
#include "config/project.h"
int sl_monitor_tables_load(sl_project *p, sl_diags *d) { (void)p; (void)d; return 0; }
void sl_monitor_tables_free(sl_project *p) { (void)p; }
