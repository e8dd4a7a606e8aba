/*
 * project_models.h: the models layer's keys of sluice.yml and
 * dbt_project.yml (project_models.c), for project.c.
 */
#ifndef SL_PROJECT_MODELS_H
#define SL_PROJECT_MODELS_H
#include "config/project.h"

/* The models-layer keys sluice.yml accepts (for suggestions). */
extern const char *const sl_project_models_keys[];
/* Handle one top-level key of sluice.yml (from_dbt 0) or dbt_project.yml
 * (from_dbt 1; skipped when sluice.yml already gave it). Returns 1 when
 * the key is a models-layer key (diagnostics for bad values in d), 0 when
 * it is not one. */
int sl_project_models_key(sl_project *p, const char *key, struct fy_node *kn, struct fy_node *v, const char *file,
                          int from_dbt, sl_diags *d);
/* Read p->dbt_file (when set) for what sluice.yml did not give; refuse
 * packages.yml/dependencies.yml with packages. `remember` adds a file name
 * to p->files and returns the kept copy. */
void sl_project_models_load_dbt(sl_project *p, char *(*remember)(sl_project *, const char *), sl_diags *d);
/* Default folders (models, seeds, snapshots, macros, tests, analyses,
 * target) for what neither file gave. */
void sl_project_models_defaults(sl_project *p);
void sl_project_models_free(sl_project *p);

#endif
