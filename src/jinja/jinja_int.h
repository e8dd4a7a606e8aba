/*
 * jinja_int.h: the renderer's private vocabulary, shared by its files:
 * the value struct behind sl_jv (value.c), tokens (lexer.c), the syntax
 * tree (parser.c), the render context with scopes (render.c, eval.c) and
 * the filter/test/method tables (filters.c, methods.c).
 *
 * Nothing outside src/jinja includes this header; the public API is
 * jinja.h.
 */
#ifndef SL_JINJA_INT_H
#define SL_JINJA_INT_H
#include "core/arena.h"
#include "core/mem.h"
#include "jinja/jinja.h"

#define SL_JINJA_MAX_DEPTH 256
#define SL_JINJA_MAX_CALLS 256
#define SL_JINJA_MAX_OUTPUT ((size_t)256 << 20)
#define SL_JINJA_MAX_ITERS 10000000ULL
#define SL_JINJA_MAX_RANGE 100000

/* ---- values (value.c) ---- */

/* A value's sub-kind, beyond its public sl_jv_type. */
enum {
    JV_PLAIN = 0,
    JV_STATIC,  /* a shared constant (none, true, false): never counted, never freed */
    JV_TUPLE,   /* a list printed as a tuple */
    JV_OBJECT,  /* a dict with a text form */
    JV_NS,      /* namespace(): a dict whose attributes `set` may assign */
    JV_LOOP,    /* a for loop's `loop` */
    JV_MACRO,   /* a template macro (or a call block's caller) */
    JV_HOSTFN,  /* a host function */
    JV_BUILTIN, /* a built-in global (range, dict, namespace, return, ...) */
    JV_METHOD,  /* a method bound to a receiver: 'a,b'.split */
    JV_LOOPFN,  /* loop.cycle */
    JV_RANGE,   /* a list made by range(): printed as range(a, b[, s]) */
};

typedef struct jnode jnode;
typedef struct jtpl_shared jtpl_shared;
typedef struct jalive jalive;

struct sl_jv {
    uint32_t refs;
    uint8_t type; /* sl_jv_type */
    uint8_t sub;  /* JV_* */
    uint8_t ascii; /* strings: 0 not yet known, 1 all ASCII, 2 not */
    union {
        int b;
        int64_t i;
        double d;
        struct { size_t n; char *p; } s;
        struct { size_t n, cap; sl_jv **v; int64_t r0, r1, rs; } l;
        struct { size_t n, cap; sl_jv **keys, **vals; uint32_t *idx; size_t idxcap; char *text; } dc;
        struct { char *hint; uint32_t line, col; } u;
        struct { char *name; sl_jinja_fn fn; void *ud; } h;
        struct {
            const jnode *node;     /* the S_MACRO (or S_CALLBLOCK for a caller) */
            jtpl_shared *tpl;      /* keeps the template alive */
            struct jscope *scope;  /* the scope it was defined in (valid while alive) */
            jalive *alive;         /* NULL: defined in a macros file, always valid */
        } m;
        struct { int id; } bi;
        struct { int id; sl_jv *recv; } me;
        struct { int64_t index0, length; sl_jv *items; int depth; } lp;
    } u;
};

/* A liveness token of a scope: macros defined in it hold one. */
struct jalive {
    int refs;
    int alive;
};

sl_jv *sl_jv_new_(sl_jv_type type, int sub);
sl_jv *sl_jv_undefined_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
sl_jv *sl_jv_tuple(void);
/* String of n uninitialised bytes (NUL-terminated) to fill in. */
sl_jv *sl_jv_str_alloc(size_t n);
/* Set by key value (any type; strings usually); takes v, not key. */
void sl_jv_dict_setv(sl_jv *dict, sl_jv *key, sl_jv *v);
sl_jv *sl_jv_dict_getn(const sl_jv *dict, const char *key, size_t n); /* borrowed */
sl_jv *sl_jv_dict_getv(const sl_jv *dict, const sl_jv *key);          /* borrowed */
int sl_jv_dict_del(sl_jv *dict, const sl_jv *key);
int sl_jv_equal(const sl_jv *a, const sl_jv *b);
/* Compare a < b etc: returns -1/0/1 in *cmp, or -1 with a message in err
 * when the types are not ordered ("'<' not supported between ..."). */
int sl_jv_compare(const sl_jv *a, const sl_jv *b, int *cmp, const char *op, sl_error *err);
/* Append str(v) (strings unquoted) / repr(v). Undefined: error with its hint. */
int sl_jv_str_into(const sl_jv *v, sl_buf *out, sl_error *err);
int sl_jv_repr_into(const sl_jv *v, sl_buf *out, sl_error *err);
/* str(v) as a new string value (strings returned as a new reference). */
sl_jv *sl_jv_to_str(sl_jv *v, sl_error *err);
/* Python's type name for messages: "str", "int", "list", "dict", ... */
const char *sl_jv_type_name(const sl_jv *v);
/* Jinja's object_type_repr: "dict object", "None", "list object". */
void sl_jv_type_repr(const sl_jv *v, char *out, size_t cap);
/* The message of an undefined value. */
const char *sl_jv_undef_msg(const sl_jv *v);
/* Code points of a string (UTF-8; an invalid byte counts as one). */
size_t sl_jv_strlen_cp(sl_jv *s);
/* Byte offset of code point i in s (i <= length). */
size_t sl_jv_str_cp_off(sl_jv *s, size_t i);
void sl_jv_float_repr(double d, sl_buf *out);
jalive *sl_jalive_new(void);
void sl_jalive_unref(jalive *a);
void sl_jtpl_shared_unref(jtpl_shared *t);
void sl_jtpl_shared_ref(jtpl_shared *t);

/* ---- tokens (lexer.c) ---- */

enum {
    T_EOF, T_DATA, T_VAR_BEGIN, T_VAR_END, T_BLOCK_BEGIN, T_BLOCK_END,
    T_NAME, T_STRING, T_INT, T_FLOAT, T_OP,
};
/* operator codes (T_OP's op) */
enum {
    OP_ADD = 1, OP_SUB, OP_DIV, OP_FLOORDIV, OP_MUL, OP_POW, OP_MOD, OP_TILDE,
    OP_LBRACKET, OP_RBRACKET, OP_LPAREN, OP_RPAREN, OP_LBRACE, OP_RBRACE,
    OP_EQ, OP_NE, OP_GT, OP_GE, OP_LT, OP_LE, OP_ASSIGN, OP_DOT, OP_COLON,
    OP_PIPE, OP_COMMA, OP_SEMI,
};

typedef struct jtok {
    uint8_t type;
    uint8_t op;
    uint32_t line, col;
    const char *p; /* names: into the source; data: the text after whitespace control; strings: decoded (arena) */
    size_t n;
    int64_t i;     /* T_INT */
    double d;      /* T_FLOAT */
    int big;       /* T_INT that does not fit 64 bits */
    size_t off;    /* byte offset of the token in the source */
} jtok;

/* Tokenise src[0..n) (already newline-normalised). Tokens and decoded
 * strings go in arena; *toks is sl_malloc'd (caller frees). Raw blocks
 * become T_DATA. */
int sl_jlex(const char *file, const char *src, size_t n, sl_arena *arena, jtok **toks, size_t *ntoks,
            sl_error *err);
const char *sl_jop_text(int op);

/* ---- the tree (parser.c) ---- */

enum {
    /* expressions */
    E_CONST = 1, E_NAME, E_GETATTR, E_GETITEM, E_SLICE, E_CALL, E_FILTER, E_TEST, E_BIN, E_NEG, E_POS,
    E_NOT, E_AND, E_OR, E_CMP, E_COND, E_LIST, E_TUPLE, E_DICT, E_PAIR, E_KW, E_CMPOP,
    /* statements */
    S_BODY, S_TEXT, S_OUTPUT, S_IF, S_FOR, S_SET, S_SETBLOCK, S_MACRO, S_CALLBLOCK, S_DO,
    S_BREAK, S_CONTINUE, S_TEST, S_DOCS, S_SNAPSHOT,
};
/* flags of S_MACRO / S_TEST / S_CALLBLOCK */
enum { MF_CALLER = 1, MF_VARARGS = 2, MF_KWARGS = 4 };

struct jnode {
    uint8_t kind;
    uint8_t op;       /* E_BIN, E_CMPOP: OP_*; E_CMPOP also 'i' (in) and 'n' (not in) */
    uint16_t flags;
    uint32_t line, col;
    uint32_t nkids;
    uint32_t nlen;    /* name length */
    uint32_t hash;    /* name hash */
    const char *name; /* names, attributes, filters, tests, keywords, text (S_TEXT) */
    jnode *a, *b, *c, *d;
    jnode **kids;
    sl_jv *val;       /* E_CONST */
    void *fn;         /* E_FILTER / E_TEST: the resolved table entry */
};

/* The shared, reference-counted part of a parsed template (its arena, its
 * source and constants), kept alive by the macros it defines. */
struct jtpl_shared {
    int refs;
    char *file;
    char *src;       /* newline-normalised copy of the text */
    size_t srclen;
    sl_arena arena;
    sl_jv **consts;
    size_t nconsts, cap;
};

struct sl_jinja_tpl {
    jtpl_shared *sh;
    jnode *body;                /* S_BODY */
    struct sl_jinja_tpl *snaps; /* snapshot bodies (owned by the root) */
    const char **snapnames;
    size_t nsnaps;
};

/* Parse into a new shared template (refs 1) and its body. */
int sl_jparse(const char *file, const char *text, size_t len, jtpl_shared **sh, jnode **body, sl_error *err);
uint32_t sl_jhash(const char *s, size_t n);

/* ---- rendering (render.c, eval.c) ---- */

typedef struct jvar {
    const char *name;
    uint32_t len, hash;
    sl_jv *v;
} jvar;

typedef struct jscope {
    struct jscope *parent;  /* the enclosing scope (a macro's: where it was defined); NULL: then
                             * the render's locals, then the globals */
    jvar *vars;
    size_t n, cap;
    jvar inl[6];
    jalive *alive;          /* created when a macro is defined here */
} jscope;

enum { UNW_NONE, UNW_RETURN, UNW_BREAK, UNW_CONTINUE };

typedef struct jctx {
    sl_jinja_env *env;
    const sl_jv *locals;    /* the host's, or NULL */
    sl_error *err;
    const char *file;       /* the file being executed (for messages) */
    int calls;              /* macro call depth */
    int depth;              /* evaluation depth */
    uint64_t iters;
    int unwind;
    sl_jv *retval;          /* what return() gave */
    jscope *scope;          /* the innermost scope of what runs now */
    jtpl_shared *tpl;       /* the template of what runs now */
    size_t max_output;      /* the env's limits */
    uint64_t max_iters;
} jctx;

struct sl_jinja_env {
    /* globals: open hash of name -> value */
    char **names;
    sl_jv **vals;
    size_t n, cap;
    /* where each macro came from (for "defined twice"), parallel to names */
    char **where;
    unsigned char *overridable;
    /* docs */
    char **docnames;
    char **doctexts;
    size_t ndocs, doccap;
    /* per-render limits (sl_jinja_env_set_limits) */
    size_t max_output;
    uint64_t max_iters;
    /* parsed macro files, kept alive */
    jtpl_shared **tpls;
    size_t ntpls, tplcap;
};

sl_jv *sl_jinja_env_get(const sl_jinja_env *env, const char *name, size_t n); /* borrowed */
/* The same with the name's sl_jhash already computed. */
sl_jv *sl_jinja_env_get_h(const sl_jinja_env *env, const char *name, size_t n, uint32_t hash);

/* Format "FILE:LINE:COL: message" into ctx->err; returns -1. */
int sl_jerr(jctx *c, const jnode *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Evaluate an expression: a new reference, or NULL with ctx->err set. */
sl_jv *sl_jeval(jctx *c, const jnode *e);
/* Execute statements, appending to out. */
int sl_jexec(jctx *c, jscope *s, const jnode *body, sl_buf *out);
/* Call a callable value with evaluated arguments (borrowed). */
sl_jv *sl_jcall_value(jctx *c, const jnode *at, sl_jv *fn, const sl_jinja_args *a);
/* Call macro value m (a JV_MACRO) with a's arguments; caller is the call
 * block's caller (borrowed) or NULL. Returns its output as a string, or what
 * it return()ed. */
sl_jv *sl_jmacro_invoke(jctx *c, const jnode *at, sl_jv *m, const sl_jinja_args *a, sl_jv *caller);
/* Evaluate call node e, passing `caller` (borrowed, may be NULL) as the
 * keyword argument caller. */
sl_jv *sl_jeval_call(jctx *c, const jnode *e, sl_jv *caller);
/* Apply the filter node f (its arguments evaluated here) to v (borrowed). */
sl_jv *sl_japply_filter(jctx *c, const jnode *f, sl_jv *v);
/* Look a name up (borrowed, NULL if undefined). */
sl_jv *sl_jlookup(jctx *c, jscope *s, const char *name, size_t n, uint32_t hash);
void sl_jscope_set(jscope *s, const char *name, size_t n, uint32_t hash, sl_jv *v); /* takes v */
void sl_jscope_release(jscope *s);

/* Print v as {{ }} does; limits the output size. */
int sl_jemit_value(jctx *c, const jnode *at, const sl_jv *v, sl_buf *out);
/* Iterate: a new list of v's items (dict keys, string characters), or NULL with an error. */
sl_jv *sl_jiter_list(jctx *c, const jnode *at, sl_jv *v);

/* ---- filters, tests, methods (filters.c, tests.c, methods.c) ---- */

typedef sl_jv *(*sl_jfilter_fn)(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
typedef struct jfilter {
    const char *name;
    sl_jfilter_fn fn;
    int lenient; /* accepts an undefined operand (default, defined tests) */
} jfilter;
const jfilter *sl_jfilter_find(const char *name, size_t n);
const char *sl_jfilter_suggest(const char *name);

typedef int (*sl_jtest_fn)(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a, int *result);
typedef struct jtest {
    const char *name;
    sl_jtest_fn fn;
    int lenient;
} jtest;
const jtest *sl_jtest_find(const char *name, size_t n);
const char *sl_jtest_suggest(const char *name);

/* A method of a str/list/dict by name: its id, or -1. */
int sl_jmethod_find(const sl_jv *recv, const char *name, size_t n);
sl_jv *sl_jmethod_call(jctx *c, const jnode *at, sl_jv *recv, int id, const sl_jinja_args *a);

/* Built-in globals (range, dict, namespace, return, ...). */
enum { BI_RANGE = 1, BI_DICT, BI_NAMESPACE, BI_RETURN, BI_RAISE, BI_WARN };
sl_jv *sl_jbuiltin_call(jctx *c, const jnode *at, int id, const sl_jinja_args *a);

/* Helpers used by several files. */
/* obj[key] as Jinja's getitem (item, then attribute): a new reference,
 * undefined when missing. */
sl_jv *sl_jgetitem(const jnode *at, sl_jv *obj, sl_jv *key);
/* Stable sort of items[0..n) in place by keys (parallel, borrowed). */
int sl_jsort(jctx *c, const jnode *at, sl_jv **items, sl_jv **keys, size_t n, int reverse);
/* Case maps: 'u' upper, 'l' lower, 'c' capitalize, 't' Python's title, 'j'
 * jinja2's title filter (Latin, Greek and Cyrillic letters; others kept). */
sl_jv *sl_jstr_case(sl_jv *s, int mode);
/* s stripped of chars (a string, or NULL: whitespace) on the sides asked. */
sl_jv *sl_jstr_strip(sl_jv *s, const sl_jv *chars, int left, int right);
sl_jv *sl_jstr_replace(jctx *c, const jnode *at, sl_jv *s, sl_jv *old, sl_jv *new, int64_t count);
/* items (a list) joined by sep; convert: items that are not strings are printed. */
sl_jv *sl_jstr_join(jctx *c, const jnode *at, sl_jv *sep, sl_jv *items, int convert);
/* str(a) ~ str(b): a new string, or NULL with the error at `at`. */
sl_jv *sl_jstr_concat(jctx *c, const jnode *at, sl_jv *a, sl_jv *b);
/* a OP b for OP_ADD..OP_POW with Python's semantics (64-bit integers that
 * fail on overflow): *out a new reference, or -1 with the error at `at`. */
int sl_jarith(jctx *c, const jnode *at, int op, sl_jv *a, sl_jv *b, sl_jv **out);

#endif
