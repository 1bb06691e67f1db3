/* What the libconfig fuzz targets share: the one leak that is libconfig's own. */
#ifndef EEAGUARD_LIBCONFIG_FUZZ_H
#define EEAGUARD_LIBCONFIG_FUZZ_H

/*
 * libconfig 1.5's grammar has no %destructor: when a syntax error makes the
 * parser discard a string or name token, the string the scanner allocated
 * for it is never freed (a few bytes per refused file, inside the library).
 * LeakSanitizer reads this hook at start-up. The scanner builds strings in
 * a strbuf, and the library has no frame pointers, so the fast unwinder
 * often stops at strbuf_append before reaching libconfig_yylex: both are
 * named. Only libconfig's string buffers are excused; a setting tree we
 * forgot to config_destroy is still reported through the nodes the parser
 * allocates.
 */
/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
const char *__lsan_default_suppressions(void);

/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig_yylex\nleak:strbuf_append\n";
}

#endif
