/*
 * sim/check — assertions on internal invariants: a resource released that
 * was never taken, a request removed from a queue it is not in, an event
 * time that is not a number.  Broken, they are bugs in capsim, not bad
 * input: cs_assert names the file, the line and the invariant on stderr,
 * then aborts.  Always on: a branch that is never taken costs next to
 * nothing, and a wrong answer costs more than a crash.
 */
#ifndef CS_SIM_CHECK_H
#define CS_SIM_CHECK_H

/* If expr is false: "capsim: internal error at FILE:LINE: WHAT (EXPR is
 * false); please report it with the scenario", then abort(). */
#define cs_assert(expr, what)                                                \
	((expr) ? (void)0 : cs_assert_fail(#expr, (what), __FILE__, __LINE__))

#if defined(__GNUC__)
__attribute__((noreturn, cold))
#endif
void cs_assert_fail(const char *expr, const char *what, const char *file,
                    int line);

#endif
