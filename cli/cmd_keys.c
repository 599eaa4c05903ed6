/*
 * capsim keys [PREFIX] [--format table|json] [--schema] [--paths] [-o FILE]
 *
 * Every scenario key with its type, unit, default and meaning, straight
 * from the table the loader reads its keys from (models/keys.h); or that
 * table as a JSON Schema for editors (docs/scenario.schema.json is this
 * output, and a test keeps it so).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "models/keys.h"

int cs_cmd_keys(int argc, char **argv);

static const cs_cli_opt keys_opts[] = {
	{ .name = "format", .val = 'f', .arg = "F", .def = "table",
	  .flags = CS_OPT_SHORT, .values = "table json",
	  .help = "table (one key a line) or json" },
	{ .name = "schema", .val = 'J',
	  .help = "print the JSON Schema of the scenario format instead "
	          "(docs/scenario.schema.json), for editor completion" },
	{ .name = "paths", .val = 'p',
	  .help = "print the paths alone, one a line (for shell completion)" },
	{ .name = "output", .val = 'o', .arg = "FILE", .def = "standard output",
	  .flags = CS_OPT_SHORT | CS_OPT_FILE, .help = "write to FILE" },
	CS_CLI_OPT_HELP,
	{ 0 }
};

const cs_cli_cmd cs_cli_cmd_keys = {
	.name = "keys", .args = "[PREFIX]",
	.summary = "List every scenario key: its path, type, unit, default and "
	           "meaning, from the table the scenario loader checks keys "
	           "against; PREFIX keeps the keys under it.",
	.notes = "In paths, NAME is a name you choose (services.NAME.timeout), "
	         "[] any item of a list (endpoints[].weight), and <step> and "
	         "<distribution> the grammars of a step and of a distribution, "
	         "which appear wherever a key's type is a list of steps or a "
	         "distribution.",
	.example = "keys db.pool",
	.opts = keys_opts, .main = cs_cmd_keys,
};

static bool
wanted(const cs_key *k, const char *prefix)
{
	size_t n = prefix ? strlen(prefix) : 0;

	return !n || (!strncmp(k->path, prefix, n) &&
	              (!k->path[n] || k->path[n] == '.' || k->path[n] == '[' ||
	               prefix[n - 1] == '.'));
}

/* Two lines a key: "path: type (unit), default D" and its meaning. */
static int
write_table(FILE *f, const cs_key *t, size_t n, const char *prefix)
{
	char type[256];
	size_t k;

	for (k = 0; k < n; k++) {
		const cs_key *r = &t[k];

		if (!wanted(r, prefix))
			continue;
		bool box = r->type == CS_KEY_MAP || r->type == CS_KEY_NAMED ||
		           r->type == CS_KEY_LIST || r->type == CS_KEY_FOREIGN;

		cs_scenario_key_type_text(r, type, sizeof type);
		fprintf(f, "%s: %s%s%s%s", r->path, type, *r->unit ? " (" : "",
		        r->unit, *r->unit ? ")" : "");
		if (r->def)
			fprintf(f, "; default %s", r->def);
		else if (r->flags & CS_KEY_REQUIRED)
			fputs("; required", f);
		else if (!box)
			fputs("; no default", f);
		if (r->only)
			fprintf(f, "; only for %s", r->only);
		fprintf(f, "\n    %s\n", r->meaning);
	}
	return ferror(f) ? -1 : 0;
}

static char *
json_text(const cs_key *t, size_t n, const char *prefix)
{
	cJSON *a = cJSON_CreateArray();
	char type[256], *text;
	size_t k;
	bool ok = a != NULL;

	for (k = 0; ok && k < n; k++) {
		cJSON *o;

		if (!wanted(&t[k], prefix))
			continue;
		cs_scenario_key_type_text(&t[k], type, sizeof type);
		o = cJSON_CreateObject();
		ok = o && cJSON_AddItemToArray(a, o) &&
		     cJSON_AddStringToObject(o, "path", t[k].path) &&
		     cJSON_AddStringToObject(o, "type", type) &&
		     cJSON_AddStringToObject(o, "unit", t[k].unit) &&
		     (t[k].def ? cJSON_AddStringToObject(o, "default", t[k].def) :
		      cJSON_AddNullToObject(o, "default")) &&
		     cJSON_AddBoolToObject(o, "required",
		                           !!(t[k].flags & CS_KEY_REQUIRED)) &&
		     (t[k].only ? cJSON_AddStringToObject(o, "only", t[k].only) :
		      cJSON_AddNullToObject(o, "only")) &&
		     cJSON_AddStringToObject(o, "meaning", t[k].meaning);
	}
	text = ok ? cJSON_Print(a) : NULL;
	cJSON_Delete(a);
	return text;
}

int
cs_cmd_keys(int argc, char **argv)
{
	const char *out_path = NULL, *prefix = NULL;
	bool json = false, schema = false, paths = false;
	const cs_key *t;
	size_t n, k;
	cs_out out;
	int c, rc = 0;

	optind = 1;
	while ((c = cs_cli_getopt(&cs_cli_cmd_keys, argc, argv)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (!strcmp(optarg, "table"))
				json = false;
			else
				return cs_cli_fail("keys", "--format must be table "
				                   "or json (got \"%s\")", optarg);
			break;
		case 'J': schema = true; break;
		case 'p': paths = true; break;
		case 'o': out_path = optarg; break;
		case 'h':
			cs_cli_help(&cs_cli_cmd_keys, stdout);
			return CS_EXIT_OK;
		default:
			return cs_cli_bad_option(&cs_cli_cmd_keys, c, argv);
		}
	}
	if (optind < argc - 1) {
		cs_cli_fail("keys", "give at most one PREFIX (got \"%s\" too)",
		            argv[optind + 1]);
		cs_cli_usage(&cs_cli_cmd_keys, stderr);
		return CS_EXIT_INPUT;
	}
	prefix = optind < argc ? argv[optind] : NULL;
	t = cs_scenario_keys(&n);
	if (prefix) {
		for (k = 0; k < n && !wanted(&t[k], prefix); k++)
			;
		if (k == n)
			return cs_cli_fail("keys", "no key under \"%s\" (capsim "
			                   "keys lists them all)", prefix);
	}
	if (cs_out_open(&out, out_path))
		return cs_out_fail("keys", &out, CS_EXIT_INPUT);
	if (schema || json) {
		char *text = schema ? cs_scenario_keys_schema() :
		             json_text(t, n, prefix);

		if (!text) {
			cs_out_abort(&out);
			fputs("capsim keys: error: out of memory\n", stderr);
			return CS_EXIT_FAIL;
		}
		fprintf(out.f, "%s\n", text);
		free(text);
	} else if (paths) {
		for (k = 0; k < n; k++)
			if (wanted(&t[k], prefix))
				fprintf(out.f, "%s\n", t[k].path);
	} else {
		rc = write_table(out.f, t, n, prefix);
	}
	if (rc || ferror(out.f))
		return cs_out_write_fail("keys", &out, 0, CS_EXIT_FAIL);
	if (cs_out_commit(&out))
		return cs_out_fail("keys", &out, CS_EXIT_FAIL);
	return CS_EXIT_OK;
}
