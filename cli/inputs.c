/* The files capsim plot and capsim report read; see inputs.h. */
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/inputs.h"
#include "cli/opts.h"

int
cs_cli_inputs_init(cs_cli_inputs *in, const char *cmd, int argc)
{
	*in = (cs_cli_inputs){ .cmd = cmd };
	in->measured = calloc((size_t)argc + 1, sizeof *in->measured);
	return in->measured ? 0 : -1;
}

void
cs_cli_inputs_destroy(cs_cli_inputs *in)
{
	free(in->measured);
	in->measured = NULL;
}

int
cs_cli_inputs_take(cs_cli_inputs *in, int c, const char *arg)
{
	if (c != 1)
		in->in_measured = false;
	switch (c) {
	case 1:
		/* every file after --measured is measured data */
		if (in->in_measured)
			in->measured[in->nmeasured++] = arg;
		else if (!in->results)
			in->results = arg;
		else
			return cs_cli_fail(in->cmd, "give one RESULTS file (\"%s\" is "
			                   "a second; measured data go after "
			                   "--measured)", arg);
		return 0;
	case 'm':
		in->measured[in->nmeasured++] = arg;
		in->in_measured = true;
		return 0;
	case 'P':
		in->only = arg;
		return 0;
	default:
		return 1;
	}
}

int
cs_cli_inputs_need_results(const cs_cli_inputs *in, const cs_cli_cmd *cmd)
{
	if (in->results)
		return 0;
	cs_cli_fail(in->cmd, "%s", in->nmeasured ?
	            "missing RESULTS (every file after --measured is measured "
	            "data: put RESULTS first)" :
	            "missing RESULTS (a capsim sweep or run JSON file)");
	cs_cli_usage(cmd, stderr);
	return CS_EXIT_INPUT;
}

int
cs_cli_inputs_check_only(const cs_cli_inputs *in)
{
	if (in->only && !in->nmeasured)
		return cs_cli_fail(in->cmd, "%s",
		                   "--measured-points needs --measured DATA");
	return 0;
}

int
cs_cli_inputs_results(const cs_cli_inputs *in, cs_rep_doc **doc)
{
	cs_error err = { 0 };
	cs_status s = cs_rep_doc_load(in->results, doc, &err);

	if (s) {
		cs_error_print(stderr, &err);
		return cs_cli_exit(s);
	}
	if (!(*doc)->n)
		return cs_cli_fail(in->cmd, "%s: the results hold no finished point",
		                   in->results);
	return 0;
}

int
cs_cli_inputs_measured(const cs_cli_inputs *in, cs_imp_set *set)
{
	cs_error err = { 0 };
	cs_status s;

	if (!in->nmeasured)
		return 0;
	s = cs_imp_read_files(in->measured, in->nmeasured, NULL, set, &err);
	if (!s && in->only)
		s = cs_rep_measured_keep(set, in->only, &err);
	if (s) {
		cs_error_print(stderr, &err);
		return cs_cli_exit(s);
	}
	return 0;
}

int
cs_cli_inputs_not_output(const cs_cli_inputs *in, const char *out)
{
	size_t k;
	int rc;

	if ((rc = cs_cli_same_file(in->cmd, out, in->results)))
		return rc;
	for (k = 0; k < in->nmeasured; k++)
		if ((rc = cs_cli_same_file(in->cmd, out, in->measured[k])))
			return rc;
	return 0;
}
