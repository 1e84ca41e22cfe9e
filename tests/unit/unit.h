/*
 * unit.h - registration glue for the CUnit unit tests.
 *
 * Each tests/unit/<module>_test.c lists its tests in a table and registers it:
 *
 *   static const struct unit_test tests[] = {
 *           { "appends", test_appends },
 *           { NULL, NULL },
 *   };
 *   UNIT_SUITE("buf", tests)
 *
 * unit_main.c builds the CUnit registry from every registered suite, runs them
 * (optionally only the suites named on the command line) and prints
 * `unit: N passed, N failed`.
 */
#ifndef CAIRN_UNIT_H
#define CAIRN_UNIT_H

#include <CUnit/CUnit.h>
#include <stddef.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

struct unit_suite {
	const char *name;
	const struct unit_test *tests;
	int (*init)(void);
	int (*cleanup)(void);
	struct unit_suite *next;
};

void unit_register(struct unit_suite *suite);

#define UNIT_SUITE_FULL(sname, table, initfn, cleanupfn)                                           \
	static struct unit_suite unit_suite_##table = {sname, table, initfn, cleanupfn, NULL};     \
	static void __attribute__((constructor)) unit_register_##table(void)                       \
	{                                                                                          \
		unit_register(&unit_suite_##table);                                                \
	}

#define UNIT_SUITE(sname, table) UNIT_SUITE_FULL(sname, table, NULL, NULL)

#endif
