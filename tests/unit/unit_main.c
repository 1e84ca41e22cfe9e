/*
 * unit_main.c - runs every registered CUnit suite and prints one summary line.
 *
 * Usage: unit-tests [SUITE...]   (no argument: all suites)
 */
#include "unit.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

static struct unit_suite *unit_suites;

void unit_register(struct unit_suite *suite)
{
	/* Constructors run in link order; prepend then reverse at use is not worth it. */
	suite->next = unit_suites;
	unit_suites = suite;
}

static int unit_selected(const char *name, int argc, char **argv)
{
	if (argc <= 1)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (struct unit_suite *s = unit_suites; s; s = s->next) {
		if (!unit_selected(s->name, argc, argv))
			continue;
		CU_pSuite cs = CU_add_suite(s->name, s->init, s->cleanup);
		if (cs == NULL)
			return 2;
		for (const struct unit_test *t = s->tests; t->name; t++)
			if (CU_add_test(cs, t->name, t->fn) == NULL)
				return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_tests_failed();
	unsigned run = CU_get_number_of_tests_run();
	unsigned suites_failed = CU_get_number_of_suites_failed();
	printf("\nunit: %u passed, %u failed\n", run - failed, failed + suites_failed);
	CU_cleanup_registry();
	return failed || suites_failed ? 1 : 0;
}
