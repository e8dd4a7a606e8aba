/*
 * builtin.h: sluice's built-in macros (builtin.c): the generic data tests
 * dbt ships, as Jinja text, one entry per macro so that a project's own
 * macro of the same name can replace it (compile.c loads an entry only when
 * the project does not define its name).
 */
#ifndef SL_MODELS_BUILTIN_H
#define SL_MODELS_BUILTIN_H

typedef struct sl_builtin {
    const char *name; /* the callable's name in the environment ("test_unique") */
    const char *text; /* its Jinja source */
} sl_builtin;

/* Terminated by {NULL, NULL}. */
extern const sl_builtin sl_builtins[];
/* The file name built-in macros report in errors. */
#define SL_BUILTIN_FILE "<sluice built-in macros>"

#endif
